"""Verification of any copy of a sealed document: one :class:`SignatureReport` per signature.

``verify_pdf(pdf, trust_roots=[root])`` validates every signature with pyHanko, in file order:

- integrity: the signed byte ranges hash to the signed digest (``intact``) and the CMS signature is
  cryptographically valid (``valid``);
- trust: the signer's chain ends in one of ``trust_roots``, with the right key usage, valid at the
  validation time — now, or the time of a trusted signature timestamp (B-T) when the certificate has
  expired since; revocation from CRLs/OCSP responses in the file's DSS (B-LT) or passed in (``trusted``);
- coverage and later changes: whether the signature covers the whole file, and if not, pyHanko's
  difference analysis of everything appended after it (``modification_level``), judged against the
  certification signature's DocMDP permission;
- the file state that the signature closed (``revision``, ``revision_sha256``): the sealer's output
  hashes to the last signature's ``revision_sha256``, which lets the service recognise its documents
  and earlier revisions of them.

File-level ``problems`` name what no single signature shows: no signature at all, bytes appended after
the last signature, a signature field that existed in an earlier revision and is gone, a document that
is not certified. Every finding is a string ``"<code>: 中文 / English"``; the codes are
:data:`PROBLEM_CODES`.

A bad, tampered or unsigned file never raises: it gets a report. Only misuse raises
:class:`VerificationError` (e.g. calling from inside a running event loop: verification is synchronous
and CPU-bound; async callers run it in a worker thread).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import HistoricalResolver, PdfFileReader
from pyhanko.sign.ades.report import AdESIndeterminate
from pyhanko.sign.diff_analysis import (
    DEFAULT_DIFF_POLICY,
    DiffPolicy,
    DiffResult,
    ModificationLevel,
    SuspiciousModification,
)
from pyhanko.sign.fields import FieldMDPSpec, MDPPerm, enumerate_sig_fields
from pyhanko.sign.validation.dss import DocumentSecurityStore, NoDSSFoundError
from pyhanko.sign.validation.pdf_embedded import (
    EmbeddedPdfSignature,
    async_validate_pdf_signature,
    async_validate_pdf_timestamp,
    read_certification_data,
)
from pyhanko.sign.validation.status import (
    DocumentTimestampStatus,
    PdfSignatureStatus,
    SignatureCoverageLevel,
)
from pyhanko_certvalidator import ValidationContext

from .api import SealRole, SignatureReport, VerificationReport
from .errors import VerificationError
from .limits import VerifyLimits, check_structure, too_many

__all__ = ["PROBLEM_CODES", "SignatureFillPolicy", "verify_pdf"]

# code → (中文, English); a report's findings are "code: 中文 / English"
PROBLEM_CODES: dict[str, tuple[str, str]] = {
    "not_a_pdf": ("不是可读的 PDF 文件", "not a readable PDF file"),
    "no_signatures": ("文件没有电子签章", "the file carries no signature"),
    "not_intact": ("签章所覆盖的内容已被改动", "the signed bytes were altered"),
    "invalid_signature": ("签名值无效", "the signature value is invalid"),
    "malformed_signature": ("签名数据无法解析", "the signature cannot be parsed"),
    "untrusted": ("证书不能链接到受信任的根证书", "the certificate does not chain to a trusted root"),
    "expired": ("签章时证书已过期或尚未生效", "the certificate was not valid at the time of signing"),
    "revoked": ("证书已被吊销", "the certificate has been revoked"),
    "modified_after_signing": ("签章之后文件被改动", "the document was changed after this signature"),
    "docmdp_violation": (
        "签章后的改动超出了认证签名允许的范围",
        "changes after certification exceed its DocMDP permission",
    ),
    "modified_after_last_signature": (
        "最后一个签章之后文件被追加修改（不在任何签章范围内）",
        "content was appended after the last signature and is covered by no signature",
    ),
    "signature_removed": ("签章被移除", "a signature was removed"),
    "not_certified": (
        "文件没有认证签名（首个签章缺失）",
        "the document is not certified (its first signature is missing)",
    ),
    "certification_not_first": ("认证签名不是第一个签章", "the certification signature is not the first signature"),
}

_ALLOWED_AFTER = {ModificationLevel.NONE, ModificationLevel.LTA_UPDATES, ModificationLevel.FORM_FILLING}


# -- difference analysis: a fast, conservative path for signature filling ---------------------------


class SignatureFillPolicy(DiffPolicy):
    """pyHanko's difference analysis, with a fast path for the one kind of update anjuan's sealer makes.

    pyHanko's standard policy first maps every object of the file to its paths from the trailer
    (~30 ms for a tagged two-page LibreOffice PDF, most of a three-signature verification). The
    updates after an officer's signature in an anjuan document are all of one kind: a prescribed,
    empty signature field gets its value (``/V``) and appearance (``/AP``), plus the metadata. This
    policy proves exactly that with the update's own xref section and a few object comparisons:

    - no object freed, no object streams or hybrid xrefs, no encryption, same ``/Root`` and ``/Info``;
    - every object the update redefines is the Info dictionary, the XMP metadata stream, the catalog
      or AcroForm dictionary with unchanged entries (``/SigFlags`` aside), or a signature field that
      was empty and now differs only in ``/V`` and ``/AP``;
    - every new object is reachable from those new ``/V``/``/AP`` values through new objects only,
      and no earlier byte of the file mentions a new object number (so no old, dangling reference
      can pick it up).

    Anything else — however harmless — goes to pyHanko's full analysis, so this can only ever be
    faster, never more lenient. The level of a proven update is FORM_FILLING, as pyHanko rates it."""

    def __init__(self, fallback: DiffPolicy = DEFAULT_DIFF_POLICY) -> None:
        self.fallback = fallback

    def apply(
        self,
        old: HistoricalResolver,
        new: HistoricalResolver,
        field_mdp_spec: FieldMDPSpec | None = None,
        doc_mdp: MDPPerm | None = None,
    ) -> DiffResult:
        return self.fallback.apply(old, new, field_mdp_spec, doc_mdp)

    def review_file(
        self,
        reader: PdfFileReader,
        base_revision: int | HistoricalResolver,
        field_mdp_spec: FieldMDPSpec | None = None,
        doc_mdp: MDPPerm | None = None,
    ) -> DiffResult | SuspiciousModification:
        if isinstance(base_revision, int) and field_mdp_spec is None:
            try:
                filled = _only_signature_fills(reader, base_revision)
            except (PdfError, ValueError, KeyError, TypeError, AttributeError):
                filled = None
            if filled is not None:
                level = ModificationLevel.FORM_FILLING if filled else ModificationLevel.NONE
                return DiffResult(level, set())
        return self.fallback.review_file(reader, base_revision, field_mdp_spec=field_mdp_spec, doc_mdp=doc_mdp)


_FILL_KEYS = frozenset({"/V", "/AP"})


def _only_signature_fills(reader: PdfFileReader, base: int) -> set[str] | None:
    """Names of the signature fields filled after revision ``base``, or ``None`` when the updates are
    not provably just that."""
    xrefs = reader.xrefs
    total = xrefs.total_revisions
    if reader.encrypted or xrefs.hybrid_xrefs_present:
        return None
    for revision in range(total):
        if xrefs.object_streams_used_in(revision):
            return None  # references inside object streams cannot be scanned in the raw bytes
    pdf = _raw_bytes(reader)
    if pdf is None:
        return None
    filled: set[str] = set()
    for revision in range(base + 1, total):
        if xrefs.refs_freed_in_revision(revision):
            return None
        old = reader.get_historical_resolver(revision - 1)
        new = reader.get_historical_resolver(revision)
        old_trailer, new_trailer = old.trailer_view, new.trailer_view
        if "/Encrypt" in new_trailer or not all(
            _same(_raw(old_trailer, k), _raw(new_trailer, k)) for k in ("/Root", "/Info")
        ):
            return None
        root_ref = _ref(_raw(new_trailer, "/Root"))
        if root_ref is None:
            return None
        info_ref = _ref(_raw(new_trailer, "/Info"))
        old_root = old.get_object(generic.Reference(*root_ref))
        meta_ref = _ref(_raw(old_root, "/Metadata"))
        acroform_ref = _ref(_raw(old_root, "/AcroForm"))
        changed = xrefs.explicit_refs_in_revision(revision)
        existing = {r for r in changed if xrefs.get_historical_ref(r, revision - 1) is not None}
        created = {(r.idnum, r.generation) for r in changed - existing}
        entry_points: list[Any] = []
        for ref in existing:
            key = (ref.idnum, ref.generation)
            if key in (info_ref, meta_ref):
                continue  # document metadata: not drawn
            before, after = old.get_object(ref), new.get_object(ref)
            if not isinstance(before, generic.DictionaryObject) or not isinstance(after, generic.DictionaryObject):
                return None
            if isinstance(before, generic.StreamObject) or isinstance(after, generic.StreamObject):
                return None
            if key == root_ref:
                if not _same_entries(before, after, ignore=frozenset()):
                    return None
            elif key == acroform_ref:
                if not _same_entries(before, after, ignore=frozenset({"/SigFlags"})):
                    return None
            elif _is_signature_fill(before, after):
                entry_points.extend(after.raw_get(k) for k in _FILL_KEYS if k in after)
                filled.add(str(after.get("/T", "")))
            else:
                return None
        if not _reachable_only_from(new, entry_points, created):
            return None
        if created and not _unmentioned_before(pdf, xrefs, revision, created):
            return None
    return filled


def _raw_bytes(reader: PdfFileReader) -> bytes | None:
    stream = getattr(reader, "stream", None)
    getvalue = getattr(stream, "getvalue", None)
    return getvalue() if callable(getvalue) else None


def _raw(d: generic.DictionaryObject, key: str) -> Any:
    return d.raw_get(key) if key in d else None


def _ref(value: Any) -> tuple[int, int] | None:
    if isinstance(value, generic.IndirectObject):
        return value.reference.idnum, value.reference.generation
    return None


def _same(a: Any, b: Any) -> bool:
    """Structural equality of raw PDF values; indirect references compare by object number only."""
    if isinstance(a, generic.IndirectObject) or isinstance(b, generic.IndirectObject):
        return _ref(a) is not None and _ref(a) == _ref(b)
    if isinstance(a, generic.DictionaryObject) or isinstance(b, generic.DictionaryObject):
        if not (isinstance(a, generic.DictionaryObject) and isinstance(b, generic.DictionaryObject)):
            return False
        if isinstance(a, generic.StreamObject) or isinstance(b, generic.StreamObject):
            return False
        return _same_entries(a, b, ignore=frozenset())
    if isinstance(a, generic.ArrayObject) or isinstance(b, generic.ArrayObject):
        if not (isinstance(a, generic.ArrayObject) and isinstance(b, generic.ArrayObject)) or len(a) != len(b):
            return False
        return all(_same(a.raw_get(i), b.raw_get(i)) for i in range(len(a)))
    return type(a) is type(b) and a == b


def _same_entries(a: generic.DictionaryObject, b: generic.DictionaryObject, *, ignore: frozenset[str]) -> bool:
    keys_a = {str(k) for k in a} - ignore
    keys_b = {str(k) for k in b} - ignore
    return keys_a == keys_b and all(_same(a.raw_get(k), b.raw_get(k)) for k in keys_a)


def _is_signature_fill(before: generic.DictionaryObject, after: generic.DictionaryObject) -> bool:
    """An empty signature field (merged with its widget) that now has a value and an appearance."""
    if _raw(before, "/FT") != "/Sig" or "/V" in before or "/V" not in after or "/Lock" in after:
        return False
    if _ref(after.raw_get("/V")) is None:
        return False
    keys_before = {str(k) for k in before} - _FILL_KEYS
    keys_after = {str(k) for k in after} - _FILL_KEYS
    return keys_before == keys_after and all(_same(before.raw_get(k), after.raw_get(k)) for k in keys_before)


def _reachable_only_from(resolver: HistoricalResolver, entry_points: list[Any], created: set[tuple[int, int]]) -> bool:
    """Every created object is reached from ``entry_points``, walking through created objects only."""
    seen: set[tuple[int, int]] = set()
    stack = list(entry_points)
    while stack:
        value = stack.pop()
        key = _ref(value)
        if key is not None:
            if key not in created or key in seen:
                continue  # an old object: unchanged in this update (checked above), not walked
            seen.add(key)
            value = resolver.get_object(value.reference)
        if isinstance(value, generic.DictionaryObject):
            stack.extend(value.raw_get(k) for k in value)
        elif isinstance(value, generic.ArrayObject):
            stack.extend(value.raw_get(i) for i in range(len(value)))
    return seen == created


def _unmentioned_before(pdf: bytes, xrefs: Any, revision: int, created: set[tuple[int, int]]) -> bool:
    """No byte before this update mentions ``N G R`` for a created object (an old, dangling reference
    would otherwise start pointing at it)."""
    offsets = []
    for ref in xrefs.explicit_refs_in_revision(revision):
        where = xrefs.get_historical_ref(ref, revision)
        if not isinstance(where, int):
            return False
        offsets.append(where)
    start = min(offsets)
    return not any(_mentioned(pdf, start, idnum, generation) for idnum, generation in created)


# PDF whitespace, comments included (a comment counts as whitespace between tokens)
_PDF_SPACE = rb"(?:[\x00\t\n\x0c\r ]|%[^\r\n]*)+"


def _mentioned(pdf: bytes, end: int, idnum: int, generation: int) -> bool:
    """Whether ``pdf[:end]`` may contain the reference ``idnum generation R`` in any spelling (leading
    zeros, a plus sign, any whitespace or comments between the tokens). Conservative: a false alarm
    only sends the file to pyHanko's full analysis. The object number is found by ``bytes.find`` (a
    regular expression over the whole file with a look-behind costs ~5 ms) and the rest matched there."""
    digits = b"%d" % idnum
    rest = re.compile(_PDF_SPACE + rb"\+?0*" + b"%d" % generation + _PDF_SPACE + rb"R")
    position = pdf.find(digits, 0, end)
    while position != -1:
        first = position
        while first > 0 and pdf[first - 1] == 0x30:  # leading zeros
            first -= 1
        if first > 0 and pdf[first - 1] == 0x2B:  # '+'
            first -= 1
        part_of_a_longer_number = first > 0 and 0x30 <= pdf[first - 1] <= 0x39
        if not part_of_a_longer_number and rest.match(pdf, position + len(digits), end):
            return True
        position = pdf.find(digits, position + 1, end)
    return False


_DEFAULT_POLICY = SignatureFillPolicy()
# what a damaged or hostile file makes pyHanko/asn1crypto raise while reading optional parts
_MALFORMED: tuple[type[Exception], ...] = (
    PdfError,
    ValueError,  # asn1crypto's parse errors, SignatureValidationError, UnicodeError
    KeyError,
    TypeError,
    IndexError,
    AttributeError,  # pyHanko on a PDF value of an unexpected kind
    NotImplementedError,
)


def _problem(code: str, detail: str = "") -> str:
    zh, en = PROBLEM_CODES[code]
    return f"{code}: {zh} / {en}" + (f" ({detail})" if detail else "")


def _role_from_certificate(cert: x509.Certificate) -> SealRole | None:
    # The OU ↔ role mapping lives in pki (one place); imported lazily to keep this module importable alone.
    from .pki import role_from_certificate

    return role_from_certificate(cert)


def _subject(cert: x509.Certificate) -> str:
    from .pki import subject_rfc4514

    return subject_rfc4514(cert)


def verify_pdf(
    pdf: bytes,
    *,
    trust_roots: Sequence[x509.Certificate],
    crls: Iterable[bytes] = (),
    ocsps: Iterable[bytes] = (),
    diff_policy: DiffPolicy | None = None,
    allow_fetching: bool = False,
    limits: VerifyLimits | None = None,
) -> VerificationReport:
    """Validate every signature of ``pdf`` against ``trust_roots`` (see the module docstring).

    With ``limits``, a file with more revisions, objects or signatures is refused before it is parsed
    (:func:`~.limits.check_structure`; ``VerificationError`` ``verify_too_many_*``), and the signatures
    pyHanko finds are counted again before any is validated. A time budget needs a process to kill:
    :class:`~.bounded.VerifierPool` runs this function under one.

    Revocation is checked for certificates that name a CRL or OCSP source (production ones do), with
    the information in the file's DSS (B-LT), in ``crls``/``ocsps`` (DER, known to the caller) and, with
    ``allow_fetching=True``, fetched from those sources; none to be had is soft-fail (not revoked).
    ``diff_policy`` defaults to :class:`SignatureFillPolicy` (pyHanko's analysis with a fast path).
    Synchronous; raises only on misuse (:class:`VerificationError`)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        raise VerificationError(
            "verify_pdf 是同步操作，不能在事件循环中调用；请在工作线程中调用",
            "verify_pdf is synchronous and cannot run inside a running event loop; call it in a worker thread",
            code="in_event_loop",
        )
    if not isinstance(pdf, bytes | bytearray | memoryview):
        raise VerificationError("输入必须是字节串", "pdf must be bytes", code="bad_request")
    roots = list(trust_roots)
    if not all(isinstance(c, x509.Certificate) for c in roots):
        raise VerificationError(
            "信任根必须是 asn1crypto 证书",
            "trust_roots must be asn1crypto x509.Certificate objects",
            code="bad_request",
        )
    data = bytes(pdf)
    if limits is not None:
        check_structure(data, limits)
    crls, ocsps = [bytes(c) for c in crls], [bytes(o) for o in ocsps]
    try:
        for item in crls:
            asn1_crl.CertificateList.load(item, strict=True)
        for item in ocsps:
            asn1_ocsp.OCSPResponse.load(item, strict=True)
    except ValueError as exc:
        raise VerificationError(
            "吊销信息无法解析", f"crls/ocsps must be DER CRLs / OCSP responses: {exc}", code="bad_request"
        ) from exc
    return asyncio.run(
        _verify(
            data,
            roots,
            crls,
            ocsps,
            diff_policy or _DEFAULT_POLICY,
            allow_fetching,
            limits,
        )
    )


@dataclass
class _Context:
    roots: list[x509.Certificate]
    other_certs: list[x509.Certificate]
    crls: list[asn1_crl.CertificateList]
    ocsps: list[asn1_ocsp.OCSPResponse]
    allow_fetching: bool = False

    def make(self, moment: dt.datetime | None = None) -> ValidationContext:
        return ValidationContext(
            trust_roots=self.roots,
            other_certs=self.other_certs,
            crls=self.crls,
            ocsps=self.ocsps,
            allow_fetching=self.allow_fetching,
            revocation_mode="soft-fail",
            moment=moment,
        )


async def _verify(
    pdf: bytes,
    roots: list[x509.Certificate],
    crls: list[bytes],
    ocsps: list[bytes],
    diff_policy: DiffPolicy,
    allow_fetching: bool,
    limits: VerifyLimits | None = None,
) -> VerificationReport:
    sha256 = hashlib.sha256(pdf).hexdigest()
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        embedded = list(reader.embedded_signatures)
    except _MALFORMED as exc:
        return VerificationReport(sha256=sha256, signatures=(), problems=(_problem("not_a_pdf", str(exc)[:200]),))
    if limits is not None and len(embedded) > limits.max_signatures:
        # Signature dictionaries the raw count could not see (inside object streams).
        raise too_many("verify_too_many_signatures", "签名", "signatures", len(embedded), limits.max_signatures)
    if not embedded:
        return VerificationReport(sha256=sha256, signatures=(), problems=(_problem("no_signatures"),))

    context = _context(reader, roots, crls, ocsps)
    context.allow_fetching = allow_fetching
    vc = context.make()
    reports: list[SignatureReport] = []
    try:
        for sig in embedded:
            reports.append(await _report(sig, pdf, context, vc, diff_policy))
    finally:
        await vc.aclose()
    try:
        problems = _file_problems(reader, embedded, reports)
    except _MALFORMED as exc:
        problems = [_problem("not_a_pdf", str(exc)[:200])]
    return VerificationReport(sha256=sha256, signatures=tuple(reports), problems=tuple(problems))


def _context(reader: PdfFileReader, roots: list[x509.Certificate], crls: list[bytes], ocsps: list[bytes]) -> _Context:
    context = _Context(
        roots=roots,
        other_certs=[],
        crls=[asn1_crl.CertificateList.load(c) for c in crls],
        ocsps=[asn1_ocsp.OCSPResponse.load(o) for o in ocsps],
    )
    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except (NoDSSFoundError, PdfError, ValueError, KeyError, TypeError):
        return context
    # B-LT: the certificates and revocation information embedded at signing time.
    with contextlib.suppress(*_MALFORMED):
        context.other_certs.extend(dss.load_certs())
    with contextlib.suppress(*_MALFORMED):
        for ref in dss.crls:
            context.crls.append(asn1_crl.CertificateList.load(ref.get_object().data))
    with contextlib.suppress(*_MALFORMED):
        for ref in dss.ocsps:
            context.ocsps.append(asn1_ocsp.OCSPResponse.load(ref.get_object().data))
    return context


async def _validate(
    sig: EmbeddedPdfSignature, vc: ValidationContext, diff_policy: DiffPolicy
) -> PdfSignatureStatus | DocumentTimestampStatus:
    if sig.sig_object_type == "/DocTimeStamp":
        return await async_validate_pdf_timestamp(sig, validation_context=vc, diff_policy=diff_policy)
    return await async_validate_pdf_signature(
        sig, signer_validation_context=vc, ts_validation_context=vc, diff_policy=diff_policy
    )


async def _report(
    sig: EmbeddedPdfSignature, pdf: bytes, context: _Context, vc: ValidationContext, diff_policy: DiffPolicy
) -> SignatureReport:
    field_name = str(sig.field_name)
    revision = int(sig.signed_revision)
    revision_sha256 = _revision_sha256(sig, pdf)
    try:
        cert = sig.signer_cert
        status = await _validate(sig, vc, diff_policy)
    except _MALFORMED as exc:
        return SignatureReport(
            field_name=field_name,
            signer="",
            signer_subject="",
            role=None,
            signing_time=None,
            timestamp_time=None,
            intact=False,
            valid=False,
            trusted=False,
            covers_whole_file=False,
            modification_level="OTHER",
            certification=None,
            revision=revision,
            revision_sha256=revision_sha256,
            problems=(_problem("malformed_signature", str(exc)[:200]),),
        )

    timestamp_time = _timestamp_time(status)
    if not status.trusted and status.intact and status.valid and _expired_since(status, timestamp_time):
        # The certificate has expired since signing, and a trusted timestamp proves when the signature
        # was made: validate the chain at that time (PAdES point-in-time validation).
        vc_then = context.make(moment=timestamp_time)
        try:
            status = await _validate(sig, vc_then, diff_policy)
        finally:
            await vc_then.aclose()

    is_timestamp = isinstance(status, DocumentTimestampStatus)
    level = status.modification_level
    if level is None:
        level = (
            ModificationLevel.NONE if status.coverage == SignatureCoverageLevel.ENTIRE_FILE else ModificationLevel.OTHER
        )
    certification = _certification(sig)
    problems: list[str] = []
    if not status.intact:
        problems.append(_problem("not_intact"))
    elif not status.valid:
        problems.append(_problem("invalid_signature"))
    elif not status.trusted:
        problems.append(_trust_problem(status))
    if status.coverage is not None and status.coverage < SignatureCoverageLevel.ENTIRE_REVISION:
        problems.append(_problem("modified_after_signing", "signature does not cover its revision"))
    elif level not in _ALLOWED_AFTER:
        problems.append(_problem("modified_after_signing", level.name))
    if status.docmdp_ok is False:
        problems.append(_problem("docmdp_violation", level.name))
    signing_time = None if is_timestamp else getattr(status, "signer_reported_dt", None)
    if is_timestamp:
        signing_time = status.timestamp
    return SignatureReport(
        field_name=field_name,
        signer=_common_name(cert),
        signer_subject=_safe_subject(cert),
        role=None if is_timestamp else _role_from_certificate(cert),
        signing_time=signing_time,
        timestamp_time=status.timestamp if is_timestamp else timestamp_time,
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        covers_whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        modification_level=level.name,
        certification=certification,
        revision=revision,
        revision_sha256=revision_sha256,
        problems=tuple(dict.fromkeys(problems)),
        **_trust_anchor(status),
    )


def _trust_anchor(status: PdfSignatureStatus | DocumentTimestampStatus) -> dict[str, str]:
    """The root a trusted signer's chain ends in: its subject and the SHA-256 of its certificate."""
    path = getattr(status, "validation_path", None)
    if not status.trusted or path is None:
        return {}
    anchor = path.trust_anchor
    cert = getattr(anchor, "certificate", None)  # a root given as a certificate (all of anjuan's)
    if cert is None:
        return {"trust_root": _safe_name(anchor.authority.name)}
    return {"trust_root": _safe_name(cert.subject), "trust_root_sha256": hashlib.sha256(cert.dump()).hexdigest()}


def _safe_name(name: x509.Name) -> str:
    try:
        return str(name.human_friendly)
    except (ValueError, TypeError, KeyError):
        return ""


def _timestamp_time(status: PdfSignatureStatus | DocumentTimestampStatus) -> dt.datetime | None:
    tst = getattr(status, "timestamp_validity", None)
    if tst is not None and tst.intact and tst.valid and tst.trusted:
        return tst.timestamp
    return None


def _expired_since(status: PdfSignatureStatus | DocumentTimestampStatus, timestamp_time: dt.datetime | None) -> bool:
    if timestamp_time is None:
        return False
    validity = status.signing_cert["tbs_certificate"]["validity"]
    not_before, not_after = validity["not_before"].native, validity["not_after"].native
    return not_after < dt.datetime.now(dt.UTC) and not_before <= timestamp_time <= not_after


def _trust_problem(status: PdfSignatureStatus | DocumentTimestampStatus) -> str:
    if status.revoked:
        details = status.revocation_details
        when = getattr(details, "revocation_date", None)
        return _problem("revoked", f"{when:%Y-%m-%d %H:%M:%S %Z}" if when else "")
    indic = status.trust_problem_indic
    if indic in (
        AdESIndeterminate.EXPIRED,
        AdESIndeterminate.OUT_OF_BOUNDS_NO_POE,
        AdESIndeterminate.OUT_OF_BOUNDS_NOT_REVOKED,
        AdESIndeterminate.NOT_YET_VALID,
    ) or _outside_validity(status):
        validity = status.signing_cert["tbs_certificate"]["validity"]
        return _problem(
            "expired",
            f"valid {validity['not_before'].native:%Y-%m-%d} – {validity['not_after'].native:%Y-%m-%d}",
        )
    name = getattr(indic, "name", None)
    return _problem("untrusted", name or "no path to a trust root")


def _outside_validity(status: PdfSignatureStatus | DocumentTimestampStatus) -> bool:
    validity = status.signing_cert["tbs_certificate"]["validity"]
    moment = status.validation_time or dt.datetime.now(dt.UTC)
    return not (validity["not_before"].native <= moment <= validity["not_after"].native)


def _certification(sig: EmbeddedPdfSignature) -> str | None:
    """The DocMDP permission if ``sig`` is the document's certification signature."""
    try:
        info = read_certification_data(sig.reader)
    except (PdfError, ValueError, KeyError, TypeError):
        return None
    if info is None or info.permission is None:
        return None
    author = info.author_sig
    if isinstance(author, generic.IndirectObject):
        author = author.get_object()
    if author is not sig.sig_object and author != sig.sig_object:
        return None
    return str(info.permission.name)


def _revision_sha256(sig: EmbeddedPdfSignature, pdf: bytes) -> str:
    """SHA-256 of the file as it was when the signature was made: up to the end of its byte range."""
    try:
        byte_range = [int(v) for v in sig.byte_range]
        end = byte_range[2] + byte_range[3]
    except (TypeError, ValueError, IndexError, AttributeError):
        return ""
    if end <= 0 or end > len(pdf):
        return ""
    return hashlib.sha256(pdf[:end]).hexdigest()


def _common_name(cert: x509.Certificate) -> str:
    try:
        value = cert.subject.native.get("common_name", "")
    except ValueError:
        return ""
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value)


def _safe_subject(cert: x509.Certificate) -> str:
    try:
        return _subject(cert)
    except Exception:  # a foreign certificate with an odd subject must not fail the report
        return cert.subject.human_friendly


def _file_problems(
    reader: PdfFileReader, embedded: list[EmbeddedPdfSignature], reports: list[SignatureReport]
) -> list[str]:
    problems: list[str] = []
    last = reports[-1]
    if not last.covers_whole_file and last.modification_level != ModificationLevel.LTA_UPDATES.name:
        problems.append(_problem("modified_after_last_signature", f"modification level {last.modification_level}"))
    regular = [(s, r) for s, r in zip(embedded, reports, strict=True) if s.sig_object_type != "/DocTimeStamp"]
    if regular:
        certified = [r for _s, r in regular if r.certification is not None]
        if not certified:
            problems.append(_problem("not_certified"))
        elif regular[0][1].certification is None:
            problems.append(_problem("certification_not_first"))
    removed = _removed_signature_fields(reader, embedded)
    if removed:
        problems.append(_problem("signature_removed", ", ".join(sorted(removed))))
    return problems


def _removed_signature_fields(reader: PdfFileReader, embedded: list[EmbeddedPdfSignature]) -> set[str]:
    """Filled signature fields of earlier revisions that the final revision no longer has.

    Only revisions that no signature closed are looked at: a signature can only disappear in an update
    (a full rewrite breaks every other signature's integrity instead)."""
    try:
        total = reader.xrefs.total_revisions
    except (PdfError, AttributeError):
        return set()
    closed = {s.signed_revision for s in embedded}
    current = {str(s.field_name) for s in embedded}
    unsigned_updates = [r for r in range(1, total) if r not in closed]
    if not unsigned_updates:
        return set()
    seen: set[str] = set()
    for revision in sorted(closed | {r - 1 for r in unsigned_updates}):
        if not 0 <= revision < total:
            continue
        try:
            historical = reader.get_historical_resolver(revision)
            for name, value, _ref in enumerate_sig_fields(historical, filled_status=True):
                if value is not None:
                    seen.add(str(name))
        except (PdfError, ValueError, KeyError, TypeError):
            continue
    return seen - current
