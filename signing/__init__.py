"""The signing layer: keys and certificates, seal images, PAdES sealing and verification.

A leaf library (no HTTP, no database): bytes and the plain objects of :mod:`.api` in and out.

- :mod:`.api`         the shared vocabulary (KeyHandle, SignatureSpec, SealOptions, reports)
- :mod:`.pki`         development CA, certificates, PKCS#12 / PKCS#11 keys
- :mod:`.keystore`    keys at rest (encrypted), by organisation and seal type
- :mod:`.seal_image`  the red round seal PNG
- :mod:`.anchor`      where the seal goes (the template's ``anjuan_seal`` bookmark)
- :mod:`.sealer`      PAdES signatures as incremental updates (B-B … B-LTA)
- :mod:`.tsa`         RFC 3161 timestamp clients
- :mod:`.verify`      validation of any copy, with tamper findings
- :mod:`.errors`      the error tree

Sealing and verification are synchronous and CPU-bound: async callers run them in a worker thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from anjuan.lazy import lazy_exports

if TYPE_CHECKING:
    from .anchor import SEAL_ANCHOR, SealBlockLayout, find_seal_anchor, libreoffice_destination_name, seal_anchor_in
    from .api import (
        ORG_UNIT_BY_ROLE,
        KeyHandle,
        PadesLevel,
        Placement,
        SealOptions,
        SealRole,
        SignatureReport,
        SignatureSpec,
        VerificationReport,
    )
    from .bounded import VerifierPool
    from .errors import (
        BadPassphrase,
        CertificateError,
        KeyStoreError,
        SealImageError,
        SealingError,
        SigningError,
        VerificationError,
    )
    from .keystore import KEY_ID_PATTERN, KeyInfo, KeySource, KeyStore
    from .limits import VerifyLimits
    from .pki import (
        DEFAULT_VALIDITY_DAYS,
        DEV_ROOT_COMMON_NAME,
        DEV_ROOT_ORG_NAME,
        ROLE_BY_ORG_UNIT,
        ROOT_VALIDITY_DAYS,
        CertifiedKey,
        InMemorySigner,
        KeyType,
        PrivateKey,
        certificate_pem,
        check_key_type,
        create_root_ca,
        generate_private_key,
        issue_certificate,
        load_certificates,
        load_pkcs12,
        load_pkcs12_key,
        pkcs11_key,
        role_from_certificate,
        subject_name,
        subject_rfc4514,
        to_pkcs12,
    )
    from .seal_image import (
        FONT_CANDIDATES,
        MAX_UPLOAD_BYTES,
        MAX_UPLOAD_PX,
        MIN_UPLOAD_PX,
        SEAL_RED,
        draw_seal,
        find_cjk_font,
        normalise_uploaded_seal,
    )
    from .sealer import Sealer, seal_pdf
    from .tsa import TimeStamper, timestamper_for
    from .verify import PROBLEM_CODES, SignatureFillPolicy, verify_pdf

# Names are imported from their module on first use (PEP 562), not when the package is: the heavy
# libraries behind some of them (pyHanko, python-docx, pikepdf …) cost a command-line call that
# never uses them seconds of start-up.
_EXPORTS = {
    "SEAL_ANCHOR": "anchor",
    "SealBlockLayout": "anchor",
    "find_seal_anchor": "anchor",
    "libreoffice_destination_name": "anchor",
    "seal_anchor_in": "anchor",
    "KeyHandle": "api",
    "PadesLevel": "api",
    "Placement": "api",
    "SealOptions": "api",
    "SealRole": "api",
    "SignatureReport": "api",
    "SignatureSpec": "api",
    "VerificationReport": "api",
    "BadPassphrase": "errors",
    "CertificateError": "errors",
    "KeyStoreError": "errors",
    "SealImageError": "errors",
    "SealingError": "errors",
    "SigningError": "errors",
    "VerificationError": "errors",
    "KEY_ID_PATTERN": "keystore",
    "KeyInfo": "keystore",
    "KeySource": "keystore",
    "KeyStore": "keystore",
    "DEFAULT_VALIDITY_DAYS": "pki",
    "DEV_ROOT_COMMON_NAME": "pki",
    "DEV_ROOT_ORG_NAME": "pki",
    "ORG_UNIT_BY_ROLE": "api",
    "ROLE_BY_ORG_UNIT": "pki",
    "ROOT_VALIDITY_DAYS": "pki",
    "CertifiedKey": "pki",
    "InMemorySigner": "pki",
    "KeyType": "pki",
    "PrivateKey": "pki",
    "certificate_pem": "pki",
    "check_key_type": "pki",
    "create_root_ca": "pki",
    "generate_private_key": "pki",
    "issue_certificate": "pki",
    "load_certificates": "pki",
    "load_pkcs12": "pki",
    "load_pkcs12_key": "pki",
    "pkcs11_key": "pki",
    "role_from_certificate": "pki",
    "subject_name": "pki",
    "subject_rfc4514": "pki",
    "to_pkcs12": "pki",
    "FONT_CANDIDATES": "seal_image",
    "MAX_UPLOAD_BYTES": "seal_image",
    "MAX_UPLOAD_PX": "seal_image",
    "MIN_UPLOAD_PX": "seal_image",
    "SEAL_RED": "seal_image",
    "draw_seal": "seal_image",
    "find_cjk_font": "seal_image",
    "normalise_uploaded_seal": "seal_image",
    "Sealer": "sealer",
    "seal_pdf": "sealer",
    "TimeStamper": "tsa",
    "timestamper_for": "tsa",
    "PROBLEM_CODES": "verify",
    "SignatureFillPolicy": "verify",
    "verify_pdf": "verify",
    "VerifierPool": "bounded",
    "VerifyLimits": "limits",
}


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)


__all__ = [
    "DEFAULT_VALIDITY_DAYS",
    "DEV_ROOT_COMMON_NAME",
    "DEV_ROOT_ORG_NAME",
    "FONT_CANDIDATES",
    "KEY_ID_PATTERN",
    "MAX_UPLOAD_BYTES",
    "MAX_UPLOAD_PX",
    "MIN_UPLOAD_PX",
    "ORG_UNIT_BY_ROLE",
    "PROBLEM_CODES",
    "ROLE_BY_ORG_UNIT",
    "ROOT_VALIDITY_DAYS",
    "SEAL_ANCHOR",
    "SEAL_RED",
    "BadPassphrase",
    "CertificateError",
    "CertifiedKey",
    "InMemorySigner",
    "KeyHandle",
    "KeyInfo",
    "KeySource",
    "KeyStore",
    "KeyStoreError",
    "KeyType",
    "PadesLevel",
    "Placement",
    "PrivateKey",
    "SealBlockLayout",
    "SealImageError",
    "SealOptions",
    "SealRole",
    "Sealer",
    "SealingError",
    "SignatureFillPolicy",
    "SignatureReport",
    "SignatureSpec",
    "SigningError",
    "TimeStamper",
    "VerificationError",
    "VerificationReport",
    "VerifierPool",
    "VerifyLimits",
    "certificate_pem",
    "check_key_type",
    "create_root_ca",
    "draw_seal",
    "find_cjk_font",
    "find_seal_anchor",
    "generate_private_key",
    "issue_certificate",
    "libreoffice_destination_name",
    "load_certificates",
    "load_pkcs12",
    "load_pkcs12_key",
    "normalise_uploaded_seal",
    "pkcs11_key",
    "role_from_certificate",
    "seal_anchor_in",
    "seal_pdf",
    "subject_name",
    "subject_rfc4514",
    "timestamper_for",
    "to_pkcs12",
    "verify_pdf",
]
