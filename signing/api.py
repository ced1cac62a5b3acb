"""The signing layer's vocabulary: keys, seal requests, verification reports.

``signing`` takes and returns bytes and these plain objects; it knows nothing of HTTP or the
database. Implementations: ``pki`` (keys and certificates: development CA, PKCS#12, PKCS#11),
``seal_image`` (the red round seal PNG), ``sealer`` (PAdES signing with pyHanko), ``verify``
(validation of any copy).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from asn1crypto import x509
    from pyhanko.sign.signers import Signer
    from pyhanko.sign.timestamps import TimeStamper
    from pyhanko_certvalidator import ValidationContext

__all__ = [
    "KeyHandle",
    "PadesLevel",
    "Placement",
    "SealOptions",
    "SealRole",
    "SignatureReport",
    "SignatureSpec",
    "VerificationReport",
]


class SealRole(StrEnum):
    organ = "organ"  # 机关印章 (公章)
    enforcement = "enforcement"  # 行政执法专用章
    officer = "officer"  # 执法人员 / 承办人 personal signature


# OU (organizationalUnitName) ↔ seal role. Verification reads the seal type from here, so these strings
# are part of every certificate ever issued: never change them, only add.
ORG_UNIT_BY_ROLE: dict[SealRole, str] = {
    SealRole.organ: "机关印章",
    SealRole.enforcement: "行政执法专用章",
    SealRole.officer: "执法人员",
}

PadesLevel = Literal["B-B", "B-T", "B-LT", "B-LTA"]


@dataclass(frozen=True)
class KeyHandle:
    """A private key that can sign, with its certificate; loaded once and kept in memory.

    (pyHanko's stock ``SimpleSigner.load`` re-reads the key per signature: ~75 ms instead of ~17 ms.)
    """

    label: str  # e.g. "临汾市尧都区应急管理局 行政执法专用章" or "张伟 14100220190031"
    role: SealRole
    signer: Signer  # pyHanko signer (SimpleSigner with an in-memory key, or PKCS11Signer)

    @property
    def certificate(self) -> x509.Certificate:
        cert = self.signer.signing_cert
        assert cert is not None
        return cert


@dataclass(frozen=True)
class Placement:
    """Where a visible seal goes: page index (0-based) and box in PDF points (x1, y1, x2, y2)."""

    page: int
    box: tuple[float, float, float, float]


@dataclass(frozen=True)
class SignatureSpec:
    """One signature to apply, in order. The first certifies the document; the last should be the
    organisation's seal, which then covers the whole file."""

    key: KeyHandle
    field_name: str  # e.g. "officer-1", "seal-enforcement"
    image: bytes | None = None  # PNG of the seal; None → invisible signature
    placement: Placement | None = None  # None with an image → at the template's seal anchor
    reason: str = ""
    location: str = ""


@dataclass(frozen=True)
class SealOptions:
    level: PadesLevel = "B-B"
    timestamp_url: str | None = None  # RFC 3161 TSA; required for B-T and above
    timestamper: TimeStamper | None = None  # explicit TSA client (tests: in-process TSA)
    certify: bool = True  # first signature certifies (DocMDP: only form filling and signing after)
    trust_roots: tuple[x509.Certificate, ...] = ()  # for fetching/embedding revocation info (B-LT)
    # explicit context for B-LT/B-LTA (tests: pre-loaded CRLs/OCSP responses); None → built from
    # trust_roots, fetching CRL/OCSP over the network (hard-fail: no revocation info, no B-LT)
    validation_context: ValidationContext | None = None
    seal_size_mm: float = 42.0  # 机关印章 is 42 mm across on paper
    signer_size_mm: float = 0.0  # officer signatures are invisible by default


@dataclass(frozen=True)
class SignatureReport:
    field_name: str
    signer: str  # subject common name
    signer_subject: str  # full RFC 4514 subject
    role: SealRole | None  # from the certificate (OU), None if not an anjuan certificate
    signing_time: dt.datetime | None
    timestamp_time: dt.datetime | None  # from a signature timestamp token, if any
    intact: bool  # the signed byte ranges hash to the signed digest
    valid: bool  # cryptographically valid signature
    trusted: bool  # chain ends in a configured trust anchor, certificate valid at signing time
    covers_whole_file: bool
    modification_level: str  # NONE / LTA_UPDATES / FORM_FILLING / ANNOTATIONS / OTHER
    certification: str | None  # DocMDP permission if this is the certifying signature
    revision: int  # 0-based revision that this signature closes
    revision_sha256: str  # SHA-256 of the file as it was when this signature was applied
    problems: tuple[str, ...] = ()
    # The trust anchor the signer's chain ends in (when trusted): its subject, and the SHA-256 of its
    # DER certificate, so that a caller with several roots can say which one vouched for the signer.
    trust_root: str = ""
    trust_root_sha256: str = ""


@dataclass(frozen=True)
class VerificationReport:
    sha256: str
    signatures: tuple[SignatureReport, ...]
    problems: tuple[str, ...] = field(default=())  # file-level findings (e.g. changes after the last signature)

    @property
    def ok(self) -> bool:
        # After the last signature only long-term-validation data may follow (B-LT's DSS, B-LTA's
        # document timestamp): pyHanko rates those LTA_UPDATES; anything else is a modification.
        last = self.signatures[-1] if self.signatures else None
        return (
            last is not None
            and not self.problems
            and all(s.intact and s.valid and s.trusted and not s.problems for s in self.signatures)
            and (last.covers_whole_file or last.modification_level == "LTA_UPDATES")
        )
