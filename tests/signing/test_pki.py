"""Keys and certificates: the test PKI, certificates, key store, PKCS#12, PKCS#11 (SoftHSM2).

Real cryptography throughout: every signing path ends in a PDF signature that pyHanko validates
against the test root.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import os
import shutil
import stat
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from anjuan.signing.api import KeyHandle, SealRole
from anjuan.signing.errors import BadPassphrase, CertificateError, KeyStoreError
from anjuan.signing.keystore import KeyStore
from anjuan.signing.pki import (
    DEFAULT_VALIDITY_DAYS,
    ORG_UNIT_BY_ROLE,
    ROLE_BY_ORG_UNIT,
    PrivateKey,
    create_root_ca,
    generate_private_key,
    issue_certificate,
    load_certificates,
    load_pkcs12,
    pkcs11_key,
    role_from_certificate,
    subject_rfc4514,
    to_pkcs12,
)
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import PdfSignatureStatus
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfWriter

from tests.fixtures.pki import BUREAU, OFFICERS, TestPki

PASSPHRASE = b"correct horse battery staple"

# --- helpers ---------------------------------------------------------------------------------------


def tiny_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)  # A4 in points
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def sign_and_validate(handle: KeyHandle, *trust_roots: asn1_x509.Certificate) -> PdfSignatureStatus:
    signed = signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(tiny_pdf())),
        signers.PdfSignatureMetadata(field_name="seal"),
        signer=handle.signer,
    ).getvalue()
    reader = PdfFileReader(io.BytesIO(signed))
    (embedded,) = reader.embedded_signatures
    return validate_pdf_signature(embedded, ValidationContext(trust_roots=list(trust_roots)))


def crypto_cert(cert: asn1_x509.Certificate) -> x509.Certificate:
    return x509.load_der_x509_certificate(cert.dump())


def all_handles(pki: TestPki) -> list[KeyHandle]:
    return [pki.organ_seal, pki.enforcement_seal, *pki.officers]


# --- the test PKI ----------------------------------------------------------------------------------


def test_fixture_fields_and_files(test_pki: TestPki) -> None:
    assert test_pki.organ_seal.role is SealRole.organ
    assert test_pki.enforcement_seal.role is SealRole.enforcement
    assert [h.role for h in test_pki.officers] == [SealRole.officer, SealRole.officer]
    assert [h.label for h in test_pki.officers] == [f"{name} {number}" for name, number in OFFICERS]
    assert (test_pki.directory / "root.pem").read_bytes() == test_pki.root_cert_pem
    assert load_certificates(test_pki.root_cert_pem)[0].dump() == test_pki.root_cert.dump()
    for name in ("organ-seal", "enforcement-seal", "officer-1", "officer-2", "outsider", "expired"):
        assert (test_pki.directory / f"{name}.pem").exists()
        assert stat.S_IMODE((test_pki.directory / f"{name}.key.pem").stat().st_mode) == 0o600


def test_root_is_a_ca(test_pki: TestPki) -> None:
    root = crypto_cert(test_pki.root_cert)
    bc = root.extensions.get_extension_for_class(x509.BasicConstraints)
    assert bc.critical and bc.value.ca
    ku = root.extensions.get_extension_for_class(x509.KeyUsage)
    assert ku.critical and ku.value.key_cert_sign and ku.value.crl_sign and not ku.value.digital_signature
    root.verify_directly_issued_by(root)  # self-signed
    assert (root.not_valid_after_utc - root.not_valid_before_utc).days >= 3650
    assert "开发测试根证书" in subject_rfc4514(test_pki.root_cert)
    assert role_from_certificate(test_pki.root_cert) is None


def test_end_entity_certificates(test_pki: TestPki) -> None:
    root = crypto_cert(test_pki.root_cert)
    root_ski = root.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    for handle in all_handles(test_pki):
        cert = crypto_cert(handle.certificate)
        cert.verify_directly_issued_by(root)
        ku = cert.extensions.get_extension_for_class(x509.KeyUsage)
        assert ku.critical
        assert ku.value.digital_signature and ku.value.content_commitment  # pyHanko needs non-repudiation
        assert not ku.value.key_cert_sign and not ku.value.key_encipherment
        bc = cert.extensions.get_extension_for_class(x509.BasicConstraints)
        assert bc.critical and not bc.value.ca
        aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
        assert aki.key_identifier == root_ski
        assert cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
        assert cert.public_key().key_size == 2048  # type: ignore[union-attr]
        assert (cert.not_valid_after_utc - cert.not_valid_before_utc).days == DEFAULT_VALIDITY_DAYS
        # OU carries the seal type, and is how verification reads it back
        (ou,) = cert.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)
        assert ROLE_BY_ORG_UNIT[ou.value] is handle.role  # type: ignore[index]
        assert role_from_certificate(handle.certificate) is handle.role
        assert cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == BUREAU
        assert cert.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value == "CN"


def test_subjects_of_seals_and_officers(test_pki: TestPki) -> None:
    assert subject_rfc4514(test_pki.organ_seal.certificate) == f"CN={BUREAU},OU=机关印章,O={BUREAU},C=CN"
    assert subject_rfc4514(test_pki.enforcement_seal.certificate) == f"CN={BUREAU},OU=行政执法专用章,O={BUREAU},C=CN"
    for handle, (name, number) in zip(test_pki.officers, OFFICERS, strict=True):
        subject = handle.certificate.subject.native
        assert subject["common_name"] == name
        assert subject["serial_number"] == number
        assert subject["organizational_unit_name"] == ORG_UNIT_BY_ROLE[SealRole.officer] == "执法人员"


def test_outsider_and_expired(test_pki: TestPki) -> None:
    outsider = crypto_cert(test_pki.outsider.certificate)
    assert outsider.issuer != crypto_cert(test_pki.root_cert).subject
    expired = crypto_cert(test_pki.expired.certificate)
    expired.verify_directly_issued_by(crypto_cert(test_pki.root_cert))
    yesterday = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    assert abs(expired.not_valid_after_utc - yesterday) < dt.timedelta(hours=1)


def test_long_chinese_organisation_name_is_accepted() -> None:
    # 24 characters = 72 UTF-8 bytes: within X.520's 64 characters, over cryptography's 64-byte check.
    name = "新疆生产建设兵团第一师阿拉尔市应急管理局综合行政执法支队"
    root = create_root_ca(private_key=_shared_key())
    issued = issue_certificate(root, role=SealRole.organ, common_name=name, org_name=name, private_key=_shared_key())
    assert issued.certificate.subject.native["common_name"] == name
    assert name in subject_rfc4514(issued.certificate)  # no warning (warnings are errors in tests)
    with pytest.raises(CertificateError):
        issue_certificate(root, role=SealRole.organ, common_name="局" * 65, org_name="x", private_key=_shared_key())


def test_officer_certificate_needs_serial_number(test_pki: TestPki) -> None:
    with pytest.raises(CertificateError):
        issue_certificate(test_pki.root, role=SealRole.officer, common_name="王芳", org_name=BUREAU)


@functools.cache
def _shared_key() -> PrivateKey:
    """One spare RSA key for tests that only look at certificates (key generation is the slow part)."""
    return generate_private_key()


# --- ECDSA only on request ---------------------------------------------------------------------------


def test_ecdsa_refused_without_opt_in(test_pki: TestPki, tmp_path: Path) -> None:
    with pytest.raises(CertificateError) as exc_info:
        generate_private_key("ecdsa")
    assert exc_info.value.code == "unsupported_key"
    assert "PDF/A-2b" in exc_info.value.message_en
    with pytest.raises(CertificateError):
        issue_certificate(test_pki.root, role=SealRole.organ, common_name=BUREAU, org_name=BUREAU, key_type="ecdsa")
    store = KeyStore(tmp_path, PASSPHRASE)
    with pytest.raises(CertificateError) as exc_info:
        store.ensure("org-1-organ", common_name=BUREAU, org_name=BUREAU, role=SealRole.organ, key_type="ecdsa")
    assert exc_info.value.code == "unsupported_key"
    assert not (tmp_path / "org-1-organ.key.pem").exists()


def test_ecdsa_with_opt_in(tmp_path: Path) -> None:
    store = KeyStore(tmp_path, PASSPHRASE, allow_ecdsa=True)
    handle = store.ensure("org-1-organ", common_name=BUREAU, org_name=BUREAU, role=SealRole.organ, key_type="ecdsa")
    public_key = crypto_cert(handle.certificate).public_key()
    assert isinstance(public_key, ec.EllipticCurvePublicKey) and public_key.curve.name == "secp256r1"
    # and a store without the opt-in refuses to load it
    with pytest.raises(CertificateError):
        KeyStore(tmp_path, PASSPHRASE).get("org-1-organ")


# --- signing with the in-memory keys -------------------------------------------------------------------


def test_handles_sign_pdfs_that_validate(test_pki: TestPki) -> None:
    for handle in all_handles(test_pki):
        status = sign_and_validate(handle, test_pki.root_cert)
        assert status.intact and status.valid and status.trusted, handle.label
        assert status.signing_cert.dump() == handle.certificate.dump()


def test_outsider_and_expired_are_not_trusted(test_pki: TestPki) -> None:
    outsider = sign_and_validate(test_pki.outsider, test_pki.root_cert)
    assert outsider.intact and outsider.valid and not outsider.trusted
    expired = sign_and_validate(test_pki.expired, test_pki.root_cert)
    assert expired.intact and not expired.bottom_line and not expired.trusted


def test_key_is_not_reparsed_per_signature(test_pki: TestPki, monkeypatch: pytest.MonkeyPatch) -> None:
    """pyHanko's stock SimpleSigner parses the key from DER for each signature (~75 ms instead of ~17 ms)."""
    from pyhanko.sign.signers import pdf_cms

    def fail(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("private key re-parsed for a signature")

    monkeypatch.setattr(pdf_cms.serialization, "load_der_private_key", fail)
    status = sign_and_validate(test_pki.enforcement_seal, test_pki.root_cert)
    assert status.bottom_line


# --- KeyStore ------------------------------------------------------------------------------------------


def _ensure_officer(store: KeyStore) -> KeyHandle:
    name, number = OFFICERS[0]
    return store.ensure("officer-5", common_name=name, org_name=BUREAU, role=SealRole.officer, serial_number=number)


def test_keystore_round_trip(tmp_path: Path) -> None:
    store = KeyStore(tmp_path, PASSPHRASE)
    root = store.init_root()
    organ = store.ensure("org-2-organ", common_name=BUREAU, org_name=BUREAU, role=SealRole.organ)
    officer = _ensure_officer(store)
    assert officer.label == "张伟 14100220190031"
    assert organ.label == f"{BUREAU} 机关印章"
    assert store.ensure("org-2-organ", common_name=BUREAU, org_name=BUREAU, role=SealRole.organ) is organ

    again = KeyStore(tmp_path, PASSPHRASE)
    assert again.init_root().dump() == root.dump()  # loaded, never replaced
    assert again.root_certificate_pem() == (tmp_path / "root.cert.pem").read_bytes()
    reloaded = again.ensure("org-2-organ", common_name=BUREAU, org_name=BUREAU, role=SealRole.organ)
    assert reloaded.certificate.dump() == organ.certificate.dump()
    assert again.get("officer-5").certificate.dump() == officer.certificate.dump()
    assert again.get("officer-5") is again.get("officer-5")  # cached
    assert sign_and_validate(again.get("officer-5"), root).bottom_line

    infos = {info.key_id: info for info in again.list()}
    assert set(infos) == {"org-2-organ", "officer-5"}
    assert infos["officer-5"].role is SealRole.officer and infos["officer-5"].source == "generated"
    assert infos["org-2-organ"].subject.startswith(f"CN={BUREAU},OU=机关印章")
    assert infos["org-2-organ"].not_after is not None


def test_keystore_files_are_encrypted_and_private(tmp_path: Path) -> None:
    store = KeyStore(tmp_path, PASSPHRASE)
    _ensure_officer(store)
    for key_file in (tmp_path / "root.key.pem", tmp_path / "officer-5.key.pem"):
        data = key_file.read_bytes()
        assert data.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
        assert b"BEGIN PRIVATE KEY" not in data and b"BEGIN RSA PRIVATE KEY" not in data
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        with pytest.raises(TypeError):  # cryptography: "Password was not given but private key is encrypted"
            serialization.load_pem_private_key(data, password=None)
        serialization.load_pem_private_key(data, password=PASSPHRASE)
    assert PASSPHRASE not in b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert not list(tmp_path.glob(".*.tmp"))  # atomic writes leave nothing behind


def test_keystore_wrong_passphrase(tmp_path: Path) -> None:
    _ensure_officer(KeyStore(tmp_path, PASSPHRASE))
    wrong = KeyStore(tmp_path, b"not the passphrase")
    with pytest.raises(BadPassphrase) as exc_info:
        wrong.get("officer-5")
    assert exc_info.value.code == "bad_passphrase"
    assert "口令" in exc_info.value.message_zh and "passphrase" in exc_info.value.message_en
    with pytest.raises(BadPassphrase):
        wrong.check_passphrase()
    with pytest.raises(BadPassphrase):  # issuing needs the root key
        wrong.ensure("org-2-organ", common_name=BUREAU, org_name=BUREAU, role=SealRole.organ)
    with pytest.raises(KeyStoreError) as no_passphrase:
        KeyStore(tmp_path, b"")
    assert no_passphrase.value.code == "no_passphrase"


def test_keystore_never_replaces_a_root(tmp_path: Path) -> None:
    store = KeyStore(tmp_path, PASSPHRASE)
    store.init_root()
    (tmp_path / "root.cert.pem").unlink()
    with pytest.raises(KeyStoreError):
        KeyStore(tmp_path, PASSPHRASE).init_root()
    assert (tmp_path / "root.key.pem").exists()


def test_keystore_errors(tmp_path: Path) -> None:
    store = KeyStore(tmp_path, PASSPHRASE)
    with pytest.raises(KeyStoreError) as exc_info:
        store.get("officer-9")
    assert exc_info.value.code == "key_not_found"
    for bad in ("../etc/passwd", "Officer", "", "a/b", "root", "x" * 65):
        with pytest.raises(KeyStoreError) as exc_info:
            store.get(bad)
        assert exc_info.value.code == "bad_key_id"
    _ensure_officer(store)
    with pytest.raises(KeyStoreError) as exc_info:
        store.ensure("officer-5", common_name=BUREAU, org_name=BUREAU, role=SealRole.organ)
    assert exc_info.value.code == "key_conflict"
    assert repr(store) == f"KeyStore({str(tmp_path)!r})"


# --- PKCS#12 -------------------------------------------------------------------------------------------


def test_pkcs12_round_trip(test_pki: TestPki, tmp_path: Path) -> None:
    issued = issue_certificate(test_pki.root, role=SealRole.enforcement, common_name=BUREAU, org_name=BUREAU)
    p12 = to_pkcs12(issued, b"p12-secret", friendly_name="seal")

    handle = load_pkcs12(p12, b"p12-secret", label="imported", role=SealRole.enforcement)
    assert handle.certificate.dump() == issued.certificate.dump()
    assert sign_and_validate(handle, test_pki.root_cert).bottom_line

    with pytest.raises(CertificateError) as exc_info:
        load_pkcs12(p12, b"wrong", label="imported", role=SealRole.enforcement)
    assert exc_info.value.code == "bad_pkcs12"
    with pytest.raises(CertificateError):
        load_pkcs12(b"garbage", b"p12-secret", label="imported", role=SealRole.enforcement)

    store = KeyStore(tmp_path, PASSPHRASE)
    store.import_pkcs12("org-7-enforcement", p12, b"p12-secret", SealRole.enforcement, "尧都区 行政执法专用章")
    with pytest.raises(KeyStoreError) as exists:
        store.import_pkcs12("org-7-enforcement", p12, b"p12-secret", SealRole.enforcement, "again")
    assert exists.value.code == "key_exists"
    key_pem = (tmp_path / "org-7-enforcement.key.pem").read_bytes()
    assert key_pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    serialization.load_pem_private_key(key_pem, password=PASSPHRASE)  # re-encrypted under the store passphrase

    reloaded = KeyStore(tmp_path, PASSPHRASE).get("org-7-enforcement")
    assert reloaded.label == "尧都区 行政执法专用章" and reloaded.role is SealRole.enforcement
    assert reloaded.certificate.dump() == issued.certificate.dump()
    assert sign_and_validate(reloaded, test_pki.root_cert).bottom_line
    (info,) = KeyStore(tmp_path, PASSPHRASE).list()
    assert info.source == "pkcs12"


# --- PKCS#11 with SoftHSM2 -----------------------------------------------------------------------------

SOFTHSM_LIBS = ("/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so")
TOKEN = "anjuan"
USER_PIN = "246810"
SO_PIN = "13579111"


@dataclass(frozen=True)
class SoftHsm:
    lib: str
    token_label: str
    key_label: str
    certificate: asn1_x509.Certificate


@pytest.fixture(scope="module")
def softhsm(tmp_path_factory: pytest.TempPathFactory, test_pki: TestPki) -> Iterator[SoftHsm]:
    """A fresh SoftHSM2 token holding an organ-seal key (imported, non-extractable) and its certificate."""
    util = shutil.which("softhsm2-util")
    lib = next((p for p in SOFTHSM_LIBS if Path(p).exists()), None)
    if util is None or lib is None:
        pytest.skip("SoftHSM2 not installed (apt-get install softhsm2): PKCS#11 signing not tested")
    import pkcs11
    from pkcs11 import Attribute
    from pkcs11.util.rsa import decode_rsa_private_key
    from pkcs11.util.x509 import decode_x509_certificate

    directory = tmp_path_factory.mktemp("softhsm")
    (directory / "tokens").mkdir()
    conf = directory / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {directory / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    previous = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)  # read by SoftHSM at C_Initialize
    pkcs11.unload(lib)  # a library initialised earlier in this process would keep its old token directory
    try:
        subprocess.run(
            [util, "--init-token", "--free", "--label", TOKEN, "--so-pin", SO_PIN, "--pin", USER_PIN],
            check=True,
            capture_output=True,
            timeout=30,
        )
        issued = issue_certificate(test_pki.root, role=SealRole.organ, common_name=BUREAU, org_name=BUREAU)
        pkcs1 = issued.private_key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
        )
        token = pkcs11.lib(lib).get_token(token_label=TOKEN)
        with token.open(rw=True, user_pin=USER_PIN) as session:
            common = {Attribute.TOKEN: True, Attribute.LABEL: "organ-seal", Attribute.ID: b"\x01"}
            session.create_object(
                {**decode_rsa_private_key(pkcs1), **common, Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False}
            )
            session.create_object({**decode_x509_certificate(issued.certificate.dump()), **common})
            session.create_object(
                {
                    **decode_x509_certificate(test_pki.root_cert.dump()),
                    Attribute.TOKEN: True,
                    Attribute.LABEL: "root",
                    Attribute.ID: b"\x02",
                }
            )
        yield SoftHsm(lib=lib, token_label=TOKEN, key_label="organ-seal", certificate=issued.certificate)
    finally:
        pkcs11.unload(lib)
        if previous is None:
            os.environ.pop("SOFTHSM2_CONF", None)
        else:
            os.environ["SOFTHSM2_CONF"] = previous


def test_pkcs11_signing_with_softhsm(softhsm: SoftHsm, test_pki: TestPki) -> None:
    handle = pkcs11_key(
        softhsm.lib, softhsm.token_label, USER_PIN, softhsm.key_label, label="HSM 机关印章", role=SealRole.organ
    )
    try:
        assert handle.certificate.dump() == softhsm.certificate.dump()
        # the root stored on the token was pulled as part of the chain
        assert any(c.dump() == test_pki.root_cert.dump() for c in handle.signer.cert_registry)
        status = sign_and_validate(handle, test_pki.root_cert)
        assert status.intact and status.valid and status.trusted
    finally:
        handle.signer.pkcs11_session.close()  # type: ignore[attr-defined]


def test_pkcs11_errors(softhsm: SoftHsm) -> None:
    with pytest.raises(CertificateError) as exc_info:
        pkcs11_key(softhsm.lib, softhsm.token_label, "000000", softhsm.key_label, label="x", role=SealRole.organ)
    assert exc_info.value.code == "pkcs11_failed"
    with pytest.raises(CertificateError):
        pkcs11_key(softhsm.lib, "no-such-token", USER_PIN, softhsm.key_label, label="x", role=SealRole.organ)
    with pytest.raises(CertificateError):
        pkcs11_key(softhsm.lib, softhsm.token_label, USER_PIN, "no-such-key", label="x", role=SealRole.organ)


def test_keystore_pkcs11(
    softhsm: SoftHsm,
    test_pki: TestPki,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ANJUAN_TEST_HSM_PIN", USER_PIN)
    store = KeyStore(tmp_path, PASSPHRASE)
    store.register_pkcs11(
        "org-3-organ", softhsm.lib, softhsm.token_label, softhsm.key_label, "ANJUAN_TEST_HSM_PIN", SealRole.organ, "HSM"
    )
    descriptor = (tmp_path / "org-3-organ.json").read_text()
    assert USER_PIN not in descriptor and json.loads(descriptor)["pin_env_var"] == "ANJUAN_TEST_HSM_PIN"
    assert not (tmp_path / "org-3-organ.key.pem").exists()
    store.close()

    other = KeyStore(tmp_path, PASSPHRASE)
    try:
        handle = other.get("org-3-organ")
        assert handle.role is SealRole.organ and handle.label == "HSM"
        assert sign_and_validate(handle, test_pki.root_cert).bottom_line
        (info,) = other.list()
        assert info.source == "pkcs11" and info.subject.startswith(f"CN={BUREAU}")
    finally:
        other.close()

    monkeypatch.delenv("ANJUAN_TEST_HSM_PIN")
    with pytest.raises(KeyStoreError) as exc_info:
        KeyStore(tmp_path, PASSPHRASE).get("org-3-organ")
    assert exc_info.value.code == "pin_missing"


def test_certificates_are_parsed_before_threads_share_them(test_pki: TestPki) -> None:
    """asn1crypto parses lazily and not thread-safely: two threads reading a fresh certificate's
    subject at once could see it half-built (a server's first concurrent seals then failed with
    KeyError 'organization_name'). Loaded certificates and key handles come fully parsed."""
    from concurrent.futures import ThreadPoolExecutor

    from anjuan.signing.pki import load_certificates

    pem = (test_pki.directory / "root.pem").read_bytes()
    for cert in load_certificates(pem):
        assert cert.subject._native is not None and cert.issuer._native is not None
    handle = test_pki.root.to_handle("root", SealRole.organ)
    assert handle.certificate.subject._native is not None
    fresh = load_certificates(pem)[0]
    with ThreadPoolExecutor(max_workers=8) as pool:
        names = set(pool.map(lambda _: fresh.subject.native["common_name"], range(64)))
    assert len(names) == 1
