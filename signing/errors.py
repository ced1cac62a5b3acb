"""Errors of the signing layer.

Every error carries a stable machine-readable ``code``, a Chinese and an English message and
structured ``details``; ``api`` maps them to HTTP statuses in one place. Third-party errors
(cryptography, pyHanko, python-pkcs11, Pillow) are converted at the edge with ``raise … from exc``::

    SigningError               signing_error
    ├── KeyStoreError          keystore_error / key_not_found / bad_key_id / pin_missing …
    │   └── BadPassphrase      bad_passphrase          the store passphrase does not open a key
    ├── CertificateError       certificate_error / unsupported_key / bad_pkcs12 / pkcs11_failed
    ├── SealImageError         seal_image_error / no_cjk_font / bad_upload
    ├── SealingError           sealing_error / bad_pdf / no_seal_anchor / no_timestamper / timestamp_failed …
    └── VerificationError      verification_error / in_event_loop  (misuse only; findings are reported)

Sealing and verification errors follow at the end of this file.
"""

from __future__ import annotations

from anjuan.errors import AnjuanError

__all__ = [
    "BadPassphrase",
    "CertificateError",
    "KeyStoreError",
    "SealImageError",
    "SealingError",
    "SigningError",
    "VerificationError",
]


class SigningError(AnjuanError):
    """Base of every error raised by ``anjuan.signing``."""

    code = "signing_error"


# --- keys, certificates, seal images (pki, keystore, seal_image) -----------------------------------


class KeyStoreError(SigningError):
    """The key store cannot provide a key: missing (``key_not_found``), bad key id (``bad_key_id``),
    unreadable or inconsistent files, PKCS#11 PIN variable unset (``pin_missing``)."""

    code = "keystore_error"


class BadPassphrase(KeyStoreError):
    """The store passphrase (from settings) does not decrypt a stored private key."""

    code = "bad_passphrase"


class CertificateError(SigningError):
    """A key or certificate cannot be created, loaded or used: refused key type
    (``unsupported_key``), unreadable PKCS#12 (``bad_pkcs12``), PKCS#11 token/key problem
    (``pkcs11_failed``), key and certificate that do not belong together (``key_mismatch``)."""

    code = "certificate_error"


class SealImageError(SigningError):
    """A seal image cannot be drawn (``no_cjk_font``) or an uploaded one is refused (``bad_upload``)."""

    code = "seal_image_error"


# --- sealing and verification (sealer, verify) ------------------------------------------------------


class SealingError(SigningError):
    """A document cannot be sealed: not a PDF (``bad_pdf``), no specs or duplicate field names
    (``bad_request``), a visible seal with no place to go (``no_seal_anchor``), a level that needs a
    timestamp authority without one (``no_timestamper``), the TSA failing (``timestamp_failed``),
    revocation information that cannot be fetched for B-LT/B-LTA (``revocation_unavailable``),
    a synchronous call from inside a running event loop (``in_event_loop``), or pyHanko refusing
    the signature (``sign_failed``)."""

    code = "sealing_error"


class VerificationError(SigningError):
    """Misuse of the verifier only (a bad argument, a call from inside a running event loop:
    ``in_event_loop``). A bad, tampered or unsigned file is never an error: ``verify_pdf`` reports it."""

    code = "verification_error"
