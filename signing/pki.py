"""Keys and certificates (证书): the development CA, seal and officer certificates, foreign key material.

Built with ``cryptography`` (it has the certificate builder), handed out as asn1crypto certificates
and pyHanko signers (what the sealing and verification code consume):

- :func:`create_root_ca` / :func:`issue_certificate` — the development/demo PKI. Seal certificates
  (机关印章, 行政执法专用章) carry the organisation in CN/O and the seal type in OU; officer
  certificates (执法人员) carry the 执法证号 in ``serialNumber``. :data:`ROLE_BY_ORG_UNIT` is how
  verification tells the seal type from a certificate.
- :func:`load_pkcs12` — a bureau's own PKCS#12 file; :func:`pkcs11_key` — a key on a token/HSM.
- :class:`InMemorySigner` — a pyHanko ``SimpleSigner`` that keeps the parsed key object: the stock
  one re-parses (and re-validates) the RSA key for every signature, ~75 ms instead of ~17 ms.

RSA-2048 is the default and the only key type accepted without ``allow_ecdsa=True``: with an ECDSA
key pyHanko marks the signed file as PDF 2.0 and adds an ISO 32002 extension, which breaks the PDF/A-2b
identification of our renditions.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from asn1crypto import keys as asn1_keys
from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.sign.signers import SimpleSigner
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash, process_pss_params

from .api import ORG_UNIT_BY_ROLE, KeyHandle, SealRole
from .errors import CertificateError

__all__ = [
    "DEFAULT_VALIDITY_DAYS",
    "DEV_ROOT_COMMON_NAME",
    "DEV_ROOT_ORG_NAME",
    "ORG_UNIT_BY_ROLE",
    "ROLE_BY_ORG_UNIT",
    "ROOT_VALIDITY_DAYS",
    "CertifiedKey",
    "InMemorySigner",
    "KeyType",
    "PrivateKey",
    "certificate_pem",
    "check_key_type",
    "create_root_ca",
    "generate_private_key",
    "issue_certificate",
    "load_certificates",
    "load_pkcs12",
    "load_pkcs12_key",
    "pkcs11_key",
    "role_from_certificate",
    "subject_name",
    "subject_rfc4514",
    "to_pkcs12",
]

KeyType = Literal["rsa", "ecdsa"]
PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

# cryptography caps name attributes at 64 UTF-8 bytes (see _attribute): "dev", not "development".
DEV_ROOT_COMMON_NAME = "anjuan 开发测试根证书 (dev root, not for production)"
DEV_ROOT_ORG_NAME = "anjuan development root, not for production"
ROOT_VALIDITY_DAYS = 3650  # 10 years
DEFAULT_VALIDITY_DAYS = 3 * 365  # 3 years, the usual term of an organisation's seal certificate

ROLE_BY_ORG_UNIT: dict[str, SealRole] = {ou: role for role, ou in ORG_UNIT_BY_ROLE.items()}

_RSA_BITS = 2048
_UB_NAME = 64  # X.520 upper bound of CN / O / OU, in characters
_CLOCK_SKEW = dt.timedelta(minutes=5)  # not_before slightly in the past: a fresh certificate must sign at once


# --- key material --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CertifiedKey:
    """A private key (cryptography object, in memory) with its certificate and issuer chain (root last).

    The CA side of the development PKI (it can issue) and the raw form of a :class:`KeyHandle`."""

    private_key: PrivateKey
    certificate: asn1_x509.Certificate
    chain: tuple[asn1_x509.Certificate, ...] = field(default=())

    def certificate_pem(self) -> bytes:
        return certificate_pem(self.certificate)

    def to_handle(self, label: str, role: SealRole) -> KeyHandle:
        """A :class:`KeyHandle` signing with this key (kept in memory, never re-read)."""
        certs = [parsed(c) for c in (self.certificate, *self.chain)]  # shared by threads from now on
        return KeyHandle(label=label, role=role, signer=InMemorySigner(self.private_key, certs[0], tuple(certs[1:])))


def generate_private_key(key_type: KeyType = "rsa", *, allow_ecdsa: bool = False) -> PrivateKey:
    """RSA-2048 (default) or, with ``allow_ecdsa=True``, ECDSA P-256."""
    if key_type == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=_RSA_BITS)
    if key_type == "ecdsa":
        _refuse_ecdsa_unless(allow_ecdsa)
        return ec.generate_private_key(ec.SECP256R1())
    raise CertificateError(
        f"不支持的密钥类型“{key_type}”（仅支持 rsa，或明确允许时的 ecdsa）",
        f"unsupported key type {key_type!r} (rsa, or ecdsa when explicitly allowed)",
        code="unsupported_key",
        details={"key_type": key_type},
    )


def check_key_type(public_key: object, *, allow_ecdsa: bool = False) -> KeyType:
    """The key type of a (cryptography) public or private key; refuses anything but RSA ≥ 2048, and ECDSA
    P-256/384 unless allowed (SM2 and Ed25519 cannot be used by pyHanko for PAdES in PDF 1.7)."""
    if isinstance(public_key, rsa.RSAPublicKey | rsa.RSAPrivateKey):
        if public_key.key_size < _RSA_BITS:
            raise CertificateError(
                f"RSA 密钥长度 {public_key.key_size} 位过短（至少 {_RSA_BITS} 位）",
                f"RSA key of {public_key.key_size} bits is too short (at least {_RSA_BITS})",
                code="unsupported_key",
                details={"key_type": "rsa", "key_size": public_key.key_size},
            )
        return "rsa"
    if isinstance(public_key, ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey):
        if public_key.curve.name not in ("secp256r1", "secp384r1"):
            raise CertificateError(
                f"不支持的椭圆曲线“{public_key.curve.name}”",
                f"unsupported elliptic curve {public_key.curve.name!r}",
                code="unsupported_key",
                details={"key_type": "ecdsa", "curve": public_key.curve.name},
            )
        _refuse_ecdsa_unless(allow_ecdsa)
        return "ecdsa"
    raise CertificateError(
        f"不支持的密钥类型（{type(public_key).__name__}）",
        f"unsupported key type ({type(public_key).__name__})",
        code="unsupported_key",
        details={"key_type": type(public_key).__name__},
    )


def _refuse_ecdsa_unless(allowed: bool) -> None:
    if not allowed:
        raise CertificateError(
            "未允许使用 ECDSA 密钥：pyHanko 用 ECDSA 签名时会把文件标为 PDF 2.0，破坏 PDF/A-2b；"
            "如确需使用，请明确设置 allow_ecdsa",
            "ECDSA keys are not allowed: pyHanko marks ECDSA-signed files as PDF 2.0 (with an ISO 32002 extension),"
            " which breaks PDF/A-2b; pass allow_ecdsa=True to accept that explicitly",
            code="unsupported_key",
            details={"key_type": "ecdsa"},
        )


# --- certificates ----------------------------------------------------------------------------------


def subject_name(
    role: SealRole,
    *,
    common_name: str,
    org_name: str,
    serial_number: str | None = None,
) -> x509.Name:
    """The subject of a seal or officer certificate.

    Seals: CN=<organisation full name>, OU=机关印章|行政执法专用章, O=<organisation>, C=CN.
    Officers: CN=<name>, serialNumber=<执法证号>, OU=执法人员, O=<organisation>, C=CN."""
    if role is SealRole.officer and not serial_number:
        raise CertificateError(
            "执法人员证书须包含执法证号",
            "an officer certificate needs the enforcement certificate number (serial_number)",
            code="certificate_error",
            details={"common_name": common_name},
        )
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "CN")]
    for oid, value in (
        (NameOID.ORGANIZATION_NAME, org_name),
        (NameOID.ORGANIZATIONAL_UNIT_NAME, ORG_UNIT_BY_ROLE[role]),
        (NameOID.COMMON_NAME, common_name),
    ):
        attrs.append(_attribute(oid, value))
    if serial_number:
        attrs.append(_attribute(NameOID.SERIAL_NUMBER, serial_number))
    return x509.Name(attrs)


def _attribute(oid: x509.ObjectIdentifier, value: str) -> x509.NameAttribute:
    if not value or len(value) > _UB_NAME:
        raise CertificateError(
            f"证书主体字段“{value}”无效：长度须为 1 至 {_UB_NAME} 个字符",
            f"invalid certificate subject value {value!r}: length must be 1 to {_UB_NAME} characters",
            code="certificate_error",
            details={"value": value},
        )
    if len(value.encode()) <= _UB_NAME:
        return x509.NameAttribute(oid, value)
    # RFC 5280's upper bound (ub-common-name, ub-organization-name = 64) counts characters of the UTF8String;
    # cryptography counts UTF-8 bytes, which would cap a Chinese organisation name at 21 characters.
    # Its escape hatch (_validate=False) still warns; the value is valid, so the warning is dropped.
    with _long_names_allowed():
        return x509.NameAttribute(oid, value, _validate=False)


@contextlib.contextmanager
def _long_names_allowed() -> Iterator[None]:
    """Silence cryptography's warning about names over 64 UTF-8 bytes (it also warns when it merely
    *reads* such a name from a certificate). Touches the global warning filters: keep it short."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Attribute's length must be", category=UserWarning)
        yield


def create_root_ca(
    common_name: str = DEV_ROOT_COMMON_NAME,
    *,
    org_name: str = DEV_ROOT_ORG_NAME,
    private_key: PrivateKey | None = None,
    validity_days: int = ROOT_VALIDITY_DAYS,
    now: dt.datetime | None = None,
) -> CertifiedKey:
    """A self-signed root (CA:TRUE critical, keyCertSign + cRLSign), RSA-2048 unless a key is given."""
    key = private_key or generate_private_key()
    now = now or dt.datetime.now(dt.UTC)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            _attribute(NameOID.ORGANIZATION_NAME, org_name),
            _attribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _CLOCK_SKEW)
        .not_valid_after(now + dt.timedelta(days=validity_days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_key_usage(key_cert_sign=True), critical=True)
        .add_extension(ski, critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
    )
    cert = builder.sign(key, hashes.SHA256())
    return CertifiedKey(private_key=key, certificate=_to_asn1(cert))


def issue_certificate(
    issuer: CertifiedKey,
    *,
    role: SealRole,
    common_name: str,
    org_name: str,
    serial_number: str | None = None,
    private_key: PrivateKey | None = None,
    key_type: KeyType = "rsa",
    allow_ecdsa: bool = False,
    validity_days: int = DEFAULT_VALIDITY_DAYS,
    not_before: dt.datetime | None = None,
    ocsp_url: str | None = None,
    crl_url: str | None = None,
) -> CertifiedKey:
    """An end-entity certificate for a seal or an officer, signed by ``issuer``.

    KeyUsage digitalSignature + contentCommitment (critical; pyHanko requires non-repudiation on signer
    certificates), BasicConstraints CA:FALSE, SKI/AKI. ``ocsp_url``/``crl_url`` add AIA / CRL distribution
    points (for B-LT tests against a local responder). ``not_before`` defaults to now (minus 5 minutes)."""
    key = private_key or generate_private_key(key_type, allow_ecdsa=allow_ecdsa)
    check_key_type(key, allow_ecdsa=allow_ecdsa)
    start = not_before or (dt.datetime.now(dt.UTC) - _CLOCK_SKEW)
    issuer_cert = x509.load_der_x509_certificate(issuer.certificate.dump())
    with _long_names_allowed():
        issuer_subject = issuer_cert.subject
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject_name(role, common_name=common_name, org_name=org_name, serial_number=serial_number))
        .issuer_name(issuer_subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=validity_days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(digital_signature=True, content_commitment=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(_authority_key_id(issuer_cert), critical=False)
    )
    if ocsp_url:
        ocsp = x509.AccessDescription(x509.AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(ocsp_url))
        builder = builder.add_extension(x509.AuthorityInformationAccess([ocsp]), critical=False)
    if crl_url:
        builder = builder.add_extension(
            x509.CRLDistributionPoints(
                [x509.DistributionPoint([x509.UniformResourceIdentifier(crl_url)], None, None, None)]
            ),
            critical=False,
        )
    cert = builder.sign(issuer.private_key, hashes.SHA256())
    return CertifiedKey(private_key=key, certificate=_to_asn1(cert), chain=(issuer.certificate, *issuer.chain))


def _key_usage(
    *, digital_signature: bool = False, content_commitment: bool = False, key_cert_sign: bool = False
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=content_commitment,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=key_cert_sign,  # a CA here signs certificates and CRLs, nothing else
        encipher_only=False,
        decipher_only=False,
    )


def _authority_key_id(issuer_cert: x509.Certificate) -> x509.AuthorityKeyIdentifier:
    try:
        ski = issuer_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    except x509.ExtensionNotFound:  # an imported issuer without SKI: derive it from its key
        return x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_cert.public_key())  # type: ignore[arg-type]
    return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)


def _to_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def certificate_pem(cert: asn1_x509.Certificate) -> bytes:
    return asn1_pem.armor("CERTIFICATE", cert.dump())


def load_certificates(data: bytes) -> list[asn1_x509.Certificate]:
    """Every certificate in PEM (one or more blocks) or DER ``data``."""
    try:
        if asn1_pem.detect(data):
            certs = [asn1_x509.Certificate.load(der) for _type, _headers, der in asn1_pem.unarmor(data, multiple=True)]
        else:
            certs = [asn1_x509.Certificate.load(data)]
        return [parsed(cert) for cert in certs]
    except (ValueError, TypeError) as exc:
        raise CertificateError(
            f"无法读取证书：{exc}", f"cannot read certificate: {exc}", code="certificate_error"
        ) from exc


def parsed(cert: asn1_x509.Certificate) -> asn1_x509.Certificate:
    """``cert`` with every field parsed now: garbage fails here and not in the signer, and — above
    all — a certificate shared by threads is never parsed by two of them at once. asn1crypto parses
    lazily and not thread-safely (``Name.native`` fills its dict in place, so a second thread sees it
    half-built and pyHanko fails with KeyError 'organization_name' on a server's first requests)."""
    cert.native  # noqa: B018
    return cert


def role_from_certificate(cert: asn1_x509.Certificate) -> SealRole | None:
    """The seal role written in the subject's OU, or ``None`` for certificates that are not anjuan's."""
    units = cert.subject.native.get("organizational_unit_name")
    for unit in [units] if isinstance(units, str) else list(units or ()):
        role = ROLE_BY_ORG_UNIT.get(unit)
        if role is not None:
            return role
    return None


def subject_rfc4514(cert: asn1_x509.Certificate) -> str:
    """The subject as an RFC 4514 string (``CN=张伟,…``), as :class:`~.api.SignatureReport` reports it."""
    with _long_names_allowed():
        return x509.load_der_x509_certificate(cert.dump()).subject.rfc4514_string()


# --- in-memory signer ------------------------------------------------------------------------------


class InMemorySigner(SimpleSigner):
    """``SimpleSigner`` holding the parsed ``cryptography`` key object.

    The stock ``SimpleSigner.sign_raw`` re-parses the key from DER for every signature, and parsing an
    RSA key re-runs its consistency checks (~60 ms for RSA-2048). Key objects are thread-safe."""

    def __init__(
        self,
        private_key: PrivateKey,
        certificate: asn1_x509.Certificate,
        chain: tuple[asn1_x509.Certificate, ...] | list[asn1_x509.Certificate] = (),
        *,
        embed_roots: bool = True,
    ) -> None:
        key_info = asn1_keys.PrivateKeyInfo.load(
            private_key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        super().__init__(
            signing_cert=certificate,
            signing_key=key_info,
            cert_registry=SimpleCertificateStore.from_certs(list(chain)),
            embed_roots=embed_roots,
        )
        self.private_key = private_key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism_spec = self.get_signature_mechanism_for_digest(digest_algorithm)
        try:
            mechanism = mechanism_spec.signature_algo
        except ValueError:
            mechanism = mechanism_spec["algorithm"].native
        key = self.private_key
        if mechanism == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPrivateKey):
            return key.sign(data, padding.PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
        if mechanism == "rsassa_pss" and isinstance(key, rsa.RSAPrivateKey):
            pss, hash_algo = process_pss_params(mechanism_spec["parameters"])
            return key.sign(data, pss, hash_algo)
        if mechanism == "ecdsa" and isinstance(key, ec.EllipticCurvePrivateKey):
            return key.sign(data, ec.ECDSA(get_pyca_cryptography_hash(digest_algorithm)))
        return super().sign_raw(data, digest_algorithm)  # anything else: pyHanko's own (slow) path


# --- foreign key material: PKCS#12, PKCS#11 --------------------------------------------------------


def load_pkcs12_key(data: bytes, passphrase: bytes, *, allow_ecdsa: bool = False) -> CertifiedKey:
    """Key, certificate and chain from a PKCS#12 (.p12/.pfx) file; the key must match the certificate."""
    try:
        bundle = pkcs12.load_pkcs12(data, passphrase or None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise CertificateError(
            "无法读取 PKCS#12 文件：密码错误或文件损坏",
            f"cannot read the PKCS#12 file: wrong passphrase or damaged file ({exc})",
            code="bad_pkcs12",
        ) from exc
    if bundle.key is None or bundle.cert is None:
        raise CertificateError(
            "PKCS#12 文件中缺少私钥或证书",
            "the PKCS#12 file lacks the private key or the certificate",
            code="bad_pkcs12",
            details={"has_key": bundle.key is not None, "has_certificate": bundle.cert is not None},
        )
    key = bundle.key
    cert = bundle.cert.certificate
    check_key_type(key, allow_ecdsa=allow_ecdsa)
    _check_pair(key, cert)
    chain = tuple(_to_asn1(c.certificate) for c in bundle.additional_certs)
    return CertifiedKey(private_key=key, certificate=_to_asn1(cert), chain=chain)  # type: ignore[arg-type]


def _check_pair(key: object, cert: x509.Certificate) -> None:
    der = serialization.Encoding.DER
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    if key.public_key().public_bytes(der, spki) != cert.public_key().public_bytes(der, spki):  # type: ignore[attr-defined]
        raise CertificateError(
            "私钥与证书不匹配",
            "the private key does not belong to the certificate",
            code="key_mismatch",
            details={"subject": subject_rfc4514(_to_asn1(cert))},
        )


def load_pkcs12(data: bytes, passphrase: bytes, *, label: str, role: SealRole, allow_ecdsa: bool = False) -> KeyHandle:
    """A :class:`KeyHandle` from a PKCS#12 file, the key kept in memory and the chain as cert registry."""
    return load_pkcs12_key(data, passphrase, allow_ecdsa=allow_ecdsa).to_handle(label, role)


def to_pkcs12(key: CertifiedKey, passphrase: bytes, *, friendly_name: str = "anjuan") -> bytes:
    """Export as PKCS#12 (AES-256 / PBKDF2 when a passphrase is given), e.g. to hand a demo key to a tool."""
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption()
    )
    return pkcs12.serialize_key_and_certificates(
        friendly_name.encode(),
        key.private_key,
        x509.load_der_x509_certificate(key.certificate.dump()),
        [x509.load_der_x509_certificate(c.dump()) for c in key.chain] or None,
        encryption,
    )


def pkcs11_key(
    lib: str,
    token_label: str,
    pin: str,
    key_label: str,
    *,
    label: str,
    role: SealRole,
    cert_label: str | None = None,
    ca_chain: tuple[asn1_x509.Certificate, ...] = (),
    allow_ecdsa: bool = False,
) -> KeyHandle:
    """A :class:`KeyHandle` for a key on a PKCS#11 token (HSM, USB key, SoftHSM2).

    Opens a logged-in session that the handle keeps (close it with
    ``handle.signer.pkcs11_session.close()``); the certificate is read from the token (label
    ``cert_label``, default ``key_label``) together with every other certificate stored there (the chain),
    plus ``ca_chain``. Fails here, not at the first signature, if the token, key or certificate is missing."""
    # Imported here: python-pkcs11 loads a C extension, and only PKCS#11 users need it.
    from pkcs11 import PKCS11Error
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign.general import SigningError as PyHankoSigningError
    from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

    details = {"lib": lib, "token_label": token_label, "key_label": key_label}
    try:
        session = open_pkcs11_session(lib, token_criteria=TokenCriteria(label=token_label), user_pin=pin)
    except (PKCS11Error, OSError, RuntimeError) as exc:
        raise CertificateError(
            f"无法打开 PKCS#11 令牌“{token_label}”（{lib}）：{type(exc).__name__} {exc}",
            f"cannot open PKCS#11 token {token_label!r} ({lib}): {type(exc).__name__} {exc}",
            code="pkcs11_failed",
            details=details,
        ) from exc
    try:
        signer = PKCS11Signer(
            session,
            cert_label=cert_label or key_label,
            key_label=key_label,
            ca_chain=list(ca_chain),
            other_certs_to_pull=None,  # None = every certificate on the token (the chain, if stored there)
        )
        cert = signer.signing_cert  # loads key and certificate now
        signer.cert_registry  # noqa: B018  (pull the other certificates now as well)
        check_key_type(x509.load_der_x509_certificate(cert.dump()).public_key(), allow_ecdsa=allow_ecdsa)
    except (PKCS11Error, PyHankoSigningError) as exc:
        session.close()
        raise CertificateError(
            f"PKCS#11 令牌“{token_label}”中找不到密钥或证书“{key_label}”：{exc}",
            f"key or certificate {key_label!r} not usable on PKCS#11 token {token_label!r}: {exc}",
            code="pkcs11_failed",
            details=details,
        ) from exc
    except CertificateError:
        session.close()
        raise
    return KeyHandle(label=label, role=role, signer=signer)
