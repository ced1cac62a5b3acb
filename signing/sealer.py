"""PAdES sealing: each :class:`SignatureSpec` becomes one signature, applied as an incremental update.

``Sealer(options).seal(pdf, specs)`` signs in the order given::

    revision 0   the unsigned rendition (PDF/A-2b when converted with pdfa=True)
    revision 1   the empty signature fields of ALL specs (the seal's visible at the anchor) and
                 specs[0]'s certification signature, DocMDP P=2: from here on only form filling, i.e.
                 signing those prescribed fields, is allowed; any other change is flagged
    revision 2…  specs[1:] approval signatures (officers), each filling its own field
    last         the organisation's seal — covers the whole file
   (B-LT: the DSS with certificates and CRLs/OCSP responses follows; B-LTA: then a document timestamp)

Nothing rewrites the file: every step appends to the bytes of the previous one (pyHanko's
``IncrementalPdfFileWriter``), so earlier signatures stay valid and the PDF/A identification of the
input survives (RSA keys only: pyHanko marks the file PDF 2.0 for ECDSA signers, which breaks PDF/A-2b).

Visible seals are image appearances: the seal PNG (its text drawn into the image by
``seal_image``) becomes an image XObject with an alpha soft mask, drawn over the page — about 1 ms,
where a CJK text stamp costs 150–370 ms. The decoded, compressed image is cached per PNG.

Threads and event loops: sealing is CPU-bound and synchronous (one private event loop per call, for
pyHanko's async internals); it refuses to run inside a running event loop (``in_event_loop``) — async
callers (FastAPI) call it in a worker thread (``anyio.to_thread.run_sync`` / ``run_in_executor``).
A ``Sealer`` holds no per-call state and can be shared by threads; keys stay in memory in
``KeyHandle.signer``.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import threading
import zlib
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from asn1crypto import algos, cms
from PIL import Image, UnidentifiedImageError
from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.content import AppearanceContent, ResourceType
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.general import as_signing_certificate_v2, simple_cms_attribute
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes, Signer
from pyhanko.sign.timestamps import TimeStamper, TimestampRequestError
from pyhanko.stamp import BaseStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError

from .anchor import DEFAULT_LAYOUT, SealBlockLayout, seal_anchor_in
from .api import Placement, SealOptions, SealRole, SignatureSpec
from .errors import SealingError
from .tsa import timestamper_for

__all__ = ["Sealer", "seal_pdf"]

_MM = 72.0 / 25.4
# The archive timestamp field of B-LTA (one per sealing).
_LTA_FIELD = "anjuan-archive-timestamp"


# -- the seal image as a PDF appearance ------------------------------------------------------------


@dataclass(frozen=True)
class _EncodedImage:
    """A PNG decoded once: Flate-compressed 8-bit RGB samples and the alpha channel as a soft mask."""

    width: int
    height: int
    rgb: bytes
    alpha: bytes | None

    def register(self, writer: BasePdfFileWriter) -> generic.IndirectObject:
        smask = None
        if self.alpha is not None:
            smask = writer.add_object(self._stream(self.alpha, "/DeviceGray"))
        image = self._stream(self.rgb, "/DeviceRGB")
        if smask is not None:
            image[pdf_name("/SMask")] = smask
        return writer.add_object(image)

    def _stream(self, data: bytes, colour_space: str) -> generic.StreamObject:
        return generic.StreamObject(
            {
                pdf_name("/Type"): pdf_name("/XObject"),
                pdf_name("/Subtype"): pdf_name("/Image"),
                pdf_name("/Width"): generic.NumberObject(self.width),
                pdf_name("/Height"): generic.NumberObject(self.height),
                pdf_name("/ColorSpace"): pdf_name(colour_space),
                pdf_name("/BitsPerComponent"): generic.NumberObject(8),
                pdf_name("/Filter"): pdf_name("/FlateDecode"),
            },
            encoded_data=data,
        )


class _ImageCache:
    """PNG bytes → :class:`_EncodedImage`, bounded (one entry per organisation and seal type)."""

    def __init__(self, size: int = 64) -> None:
        self._size = size
        self._items: OrderedDict[bytes, _EncodedImage] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, png: bytes) -> _EncodedImage:
        key = hashlib.sha256(png).digest()
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit
        encoded = _encode(png)
        with self._lock:
            self._items[key] = encoded
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return encoded


_ALPHA_LEVELS = [0 if v < 8 else 255 if v > 247 else (v // 16) * 16 + 8 for v in range(256)]


def _encode(png: bytes) -> _EncodedImage:
    try:
        with Image.open(io.BytesIO(png)) as img:
            img.load()
            rgba = img.convert("RGBA")
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise SealingError("印章图片无法读取", "the seal image is not a readable PNG", code="bad_seal_image") from exc
    # 16 levels of coverage: no visible difference on screen or paper, and half the bytes — the
    # generated seal's ink texture is per-pixel noise that Flate cannot compress (45 kB → 20 kB).
    alpha_band = rgba.getchannel("A").point(_ALPHA_LEVELS)
    lo, _hi = alpha_band.getextrema()
    alpha = zlib.compress(alpha_band.tobytes(), 6) if lo < 255 else None
    rgb = zlib.compress(rgba.convert("RGB").tobytes(), 6)
    return _EncodedImage(rgba.width, rgba.height, rgb, alpha)


_IMAGES = _ImageCache()


class _ImageAppearance(AppearanceContent):
    """The widget's normal appearance: the seal image scaled to the box, nothing else."""

    def __init__(self, writer: BasePdfFileWriter, box: layout.BoxConstraints, image: _EncodedImage) -> None:
        super().__init__(writer=writer, box=box)
        self._image = image

    def render(self) -> bytes:
        self.set_resource(ResourceType.XOBJECT, pdf_name("/Seal"), self._image.register(self._ensure_writer))
        return b"q %g 0 0 %g 0 0 cm /Seal Do Q" % (self.box.width, self.box.height)


@dataclass(frozen=True)
class _ImageSealStyle(BaseStampStyle):
    """pyHanko stamp style drawing only the seal image (no text, no border)."""

    image: _EncodedImage | None = None
    border_width: int = 0

    def create_stamp(
        self, writer: BasePdfFileWriter, box: layout.BoxConstraints, text_params: dict[str, Any]
    ) -> _ImageAppearance:
        assert self.image is not None
        return _ImageAppearance(writer, box, self.image)


# -- signed attributes -------------------------------------------------------------------------------


def _der_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


_CONTENT_TYPE_DATA = simple_cms_attribute("content_type", "data").dump()


class _PadesSigner(Signer):
    """The key handle's signer, with the PAdES signed attributes assembled from cached DER.

    Why: pyHanko builds the signed attributes (content-type, message-digest, signing-certificate-v2)
    afresh as asn1crypto objects for every signature, and asn1crypto re-serialises such freshly built
    ("mutated") nested structures again for every parent that dumps them — some 300 times per
    signature, 15 of the 20 ms a seal cost. Here the two constant attributes are DER computed once per
    certificate and only the message digest is new; the set is parsed back, so it dumps for free. The
    raw signature is still made by the wrapped signer (in-memory key, PKCS#11 token…), and anything
    other than a plain PAdES signature goes through pyHanko's own code."""

    def __init__(self, inner: Signer, signing_certificate_attr: bytes) -> None:
        super().__init__(
            prefer_pss=inner.prefer_pss,
            # The root is the verifier's trust anchor: embedding it proves nothing and every verifier
            # parses its ~2 kB of hex again (intermediate CAs are still embedded).
            embed_roots=False,
            signature_mechanism=inner.signature_mechanism,
            signing_cert=inner.signing_cert,
            cert_registry=inner.cert_registry,
            attribute_certs=inner.attribute_certs,
        )
        self._inner = inner
        self._signing_certificate_attr = signing_certificate_attr
        self.unsigned_attr_prov_spec = inner.unsigned_attr_prov_spec

    def get_signature_mechanism_for_digest(self, digest_algorithm: str | None) -> algos.SignedDigestAlgorithm:
        return self._inner.get_signature_mechanism_for_digest(digest_algorithm)

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
        return await self._inner.async_sign_raw(data, digest_algorithm, dry_run)

    async def signed_attrs(
        self,
        data_digest: bytes,
        digest_algorithm: str,
        attr_settings: PdfCMSSignedAttributes | None = None,
        content_type: str = "data",
        use_pades: bool = False,
        timestamper: TimeStamper | None = None,
        dry_run: bool = False,
        is_pdf_sig: bool = True,
    ) -> cms.CMSAttributes:
        plain_pades = (
            use_pades
            and is_pdf_sig
            and content_type == "data"
            and (attr_settings is None or attr_settings.cades_signed_attrs is None)
        )
        if not plain_pades:
            return await super().signed_attrs(
                data_digest,
                digest_algorithm,
                attr_settings=attr_settings,
                content_type=content_type,
                use_pades=use_pades,
                timestamper=timestamper,
                dry_run=dry_run,
                is_pdf_sig=is_pdf_sig,
            )
        digest = simple_cms_attribute("message_digest", data_digest).dump()
        # DER: the members of a SET OF are sorted by their encodings
        members = b"".join(sorted((_CONTENT_TYPE_DATA, digest, self._signing_certificate_attr)))
        return cms.CMSAttributes.load(b"\x31" + _der_length(len(members)) + members)


_SIGNING_CERT_ATTRS: dict[bytes, bytes] = {}


def _fast_signer(inner: Signer) -> Signer:
    cert = inner.signing_cert
    if cert is None or inner.signed_attr_prov_spec is not None:
        return inner  # a signer with its own attribute set-up keeps it
    key = cert.sha256
    attribute = _SIGNING_CERT_ATTRS.get(key)
    if attribute is None:
        attribute = simple_cms_attribute("signing_certificate_v2", as_signing_certificate_v2(cert, "sha256")).dump()
        if len(_SIGNING_CERT_ATTRS) > 1024:  # bounded: one entry per certificate in use
            _SIGNING_CERT_ATTRS.clear()
        _SIGNING_CERT_ATTRS[key] = attribute
    return _PadesSigner(inner, attribute)


# -- the sealer ----------------------------------------------------------------------------------------


def _ensure_no_running_loop(what: str) -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise SealingError(
        f"{what}是同步操作，不能在事件循环中调用；请在工作线程中调用",
        f"{what} is synchronous and cannot run inside a running event loop; call it in a worker thread "
        "(anyio.to_thread.run_sync / loop.run_in_executor)",
        code="in_event_loop",
    )


class Sealer:
    """Applies PAdES signatures (``ETSI.CAdES.detached``) according to :class:`SealOptions`.

    ``layout`` says where the templates put the organisation name and date (see :mod:`.anchor`).
    Visible appearances: a spec with an ``image`` goes at its ``placement`` or, without one, at the
    template's anchor with ``seal_size_mm``; an officer's image only with ``signer_size_mm > 0`` (officer
    signatures are invisible by default). B-LT/B-LTA check the signers' chains and collect revocation
    information before signing (``options.validation_context``, else fetched from the URLs in the
    certificates, hard-fail: ``revocation_unavailable``); share a user-supplied validation context
    between threads only if it holds pre-loaded data (fetching contexts keep per-call state).
    """

    def __init__(self, options: SealOptions | None = None, *, layout: SealBlockLayout = DEFAULT_LAYOUT) -> None:
        self.options = options = options or SealOptions()
        self.layout = layout
        self._lock = threading.Lock()
        # signature container sizes already estimated (bounded by the number of signers in use)
        self._reserved: dict[tuple[Any, ...], int] = {}
        if options.level not in ("B-B", "B-T", "B-LT", "B-LTA"):
            raise SealingError(
                f"不支持的 PAdES 级别：{options.level}", f"unknown PAdES level {options.level!r}", code="bad_request"
            )
        self.timestamper: TimeStamper | None = options.timestamper
        if self.timestamper is None and options.timestamp_url:
            self.timestamper = timestamper_for(options.timestamp_url)
        if options.level != "B-B" and self.timestamper is None:
            raise SealingError(
                f"PAdES {options.level} 需要时间戳服务（timestamp_url）",
                f"PAdES {options.level} needs a timestamp authority (timestamp_url or timestamper)",
                code="no_timestamper",
                details={"level": options.level},
            )
        if options.level in ("B-LT", "B-LTA") and options.validation_context is None and not options.trust_roots:
            raise SealingError(
                f"PAdES {options.level} 需要信任根以获取吊销信息",
                f"PAdES {options.level} needs trust_roots (or a validation_context) to collect revocation info",
                code="bad_request",
            )

    # public

    def seal(self, pdf: bytes, specs: Sequence[SignatureSpec]) -> bytes:
        """``pdf`` with one signature per spec appended, in order; the result's bytes start with the
        input's bytes. Raises :class:`SealingError`."""
        _ensure_no_running_loop("Sealer.seal")
        self._check(pdf, specs)
        return asyncio.run(self._seal(pdf, list(specs)))

    def placement_for(self, pdf: bytes, spec: SignatureSpec) -> Placement | None:
        """Where ``spec``'s appearance will go (``None``: invisible)."""
        writer = _writer(pdf)
        return self._placement(writer, spec)

    # internals

    async def _sign_one(self, pdf_signer: signers.PdfSigner, writer: IncrementalPdfFileWriter) -> bytes:
        return await _sign_one_impl(self, pdf_signer, writer)

    def _estimate_key(self, pdf_signer: signers.PdfSigner, validation_info: object) -> tuple[Any, ...] | None:
        """Cache key for the reserved size: same certificate chain, same TSA, same level → same size
        (PAdES puts revocation info in the DSS, not in the CMS, so it does not change the size)."""
        cert = pdf_signer.signer.signing_cert
        if cert is None:
            return None
        signer = getattr(pdf_signer.signer, "_inner", pdf_signer.signer)  # the key handle's, not our wrapper
        return (cert.sha256, id(signer), id(self.timestamper), self.options.level)

    def _check(self, pdf: bytes, specs: Sequence[SignatureSpec]) -> None:
        if not isinstance(pdf, bytes | bytearray | memoryview) or not bytes(pdf[:1024]).lstrip().startswith(b"%PDF-"):
            raise SealingError("输入不是 PDF 文件", "the input is not a PDF file", code="bad_pdf")
        if not specs:
            raise SealingError("没有要加的签名", "no signatures requested", code="bad_request")
        names = [s.field_name for s in specs]
        if len(set(names)) != len(names) or not all(names):
            raise SealingError(
                "签名域名称必须唯一且非空",
                "signature field names must be unique and non-empty",
                code="bad_request",
                details={"field_names": names},
            )

    def _placement(self, writer: IncrementalPdfFileWriter, spec: SignatureSpec) -> Placement | None:
        if spec.image is None:
            return None
        if spec.placement is not None:
            return spec.placement
        if spec.key.role is SealRole.officer:
            size = self.options.signer_size_mm
            if size <= 0:
                return None  # officer signatures are invisible unless a size (or a placement) is given
        else:
            size = self.options.seal_size_mm
        found = seal_anchor_in(writer.prev, size_mm=size, layout=self.layout)
        if found is None:
            raise SealingError(
                "文书中没有盖章位置（书签 anjuan_seal），无法放置可见印章",
                "the document has no seal anchor (bookmark anjuan_seal) for the visible seal",
                code="no_seal_anchor",
                details={"field_name": spec.field_name},
            )
        return found

    def _validation_context(self) -> ValidationContext:
        options = self.options
        if options.validation_context is not None:
            return options.validation_context
        return ValidationContext(
            trust_roots=list(options.trust_roots),
            allow_fetching=True,
            revocation_mode="hard-fail",
        )

    async def _seal(self, pdf: bytes, specs: list[SignatureSpec]) -> bytes:
        options = self.options
        current = bytes(pdf)
        level = options.level
        long_term = level in ("B-LT", "B-LTA")
        vc = self._validation_context() if long_term else None
        try:
            first = _writer(current)
            existing = {str(name): value is not None for name, value, _ref in fields.enumerate_sig_fields(first.prev)}
            taken = [s.field_name for s in specs if existing.get(s.field_name)]
            if taken:
                raise SealingError(
                    f"签名域已签过：{', '.join(taken)}",
                    f"signature fields already signed: {', '.join(taken)}",
                    code="field_exists",
                    details={"field_names": taken},
                )
            already_signed = any(existing.values())
            # Every field is placed now, so that its box is computed from the unsigned rendition.
            placements = [self._placement(first, spec) for spec in specs]
            for index, spec in enumerate(specs):
                writer = first if index == 0 else _writer(current)
                placement = placements[index]
                certify = options.certify and index == 0 and not already_signed
                last = index == len(specs) - 1
                if index == 0:
                    # The prescribed later signatures get their (empty) fields in the first revision,
                    # which the certification signature covers: filling them afterwards is form
                    # filling, allowed by DocMDP P=2, while a visible signature field *created* after
                    # certification counts as a change (it could paint over the content).
                    # (All of them in order, the first too: viewers and pdfsig list fields in /Fields order.)
                    for each, place in zip(specs, placements, strict=True):
                        if each.field_name not in existing:
                            fields.append_signature_field(writer, _field_spec(each.field_name, place))
                meta = signers.PdfSignatureMetadata(
                    field_name=spec.field_name,
                    md_algorithm="sha256",
                    subfilter=fields.SigSeedSubFilter.PADES,
                    reason=spec.reason or None,
                    location=spec.location or None,
                    certify=certify,
                    docmdp_permissions=fields.MDPPerm.FILL_FORMS,
                    # usages pyHanko checks when it validates the signer before signing (B-LT)
                    signer_key_usage={"non_repudiation", "digital_signature"},
                    embed_validation_info=long_term,
                    validation_context=vc,
                    use_pades_lta=level == "B-LTA" and last,
                    timestamp_field_name=_LTA_FIELD if level == "B-LTA" and last else None,
                )
                if placement is not None:
                    assert spec.image is not None
                    style: BaseStampStyle = _ImageSealStyle(image=_IMAGES.get(spec.image))
                else:
                    style = _ImageSealStyle()
                signer = signers.PdfSigner(
                    meta,
                    signer=_fast_signer(spec.key.signer),
                    timestamper=self.timestamper if level != "B-B" else None,
                    stamp_style=style,
                )
                current = await self._sign_one(signer, writer)
        except SealingError:
            raise
        except TimestampRequestError as exc:
            raise SealingError(
                "时间戳服务请求失败", f"the timestamp authority failed: {exc}", code="timestamp_failed"
            ) from exc
        except (PathBuildingError, PathValidationError) as exc:
            raise SealingError(
                "无法取得证书吊销信息或证书链无效（B-LT）",
                f"cannot validate the signer for {level} (revocation info or chain unavailable): {exc}",
                code="revocation_unavailable",
            ) from exc
        except (PyHankoSigningError, PdfError, ValueError, KeyError) as exc:
            if long_term and "validat" in str(exc).lower():
                raise SealingError(
                    "无法取得证书吊销信息（B-LT）",
                    f"cannot collect revocation info for {level}: {exc}",
                    code="revocation_unavailable",
                ) from exc
            raise SealingError("签章失败", f"signing failed: {exc}", code="sign_failed") from exc
        finally:
            if vc is not None and options.validation_context is None:
                await vc.aclose()
        return current


async def _sign_one_impl(sealer: Sealer, pdf_signer: signers.PdfSigner, writer: IncrementalPdfFileWriter) -> bytes:
    """pyHanko's ``async_sign_pdf``, step by step, so that the size of the signature container is
    estimated once per signer instead of by a dry-run signature every time (~8 ms)."""
    session = pdf_signer.init_signing_session(writer)
    validation_info = await session.perform_presign_validation(writer)
    key = sealer._estimate_key(pdf_signer, validation_info)
    with sealer._lock:
        reserved = sealer._reserved.get(key) if key is not None else None
    if reserved is None:
        exact = await session.estimate_signature_container_size(validation_info, tight=True)
        # The reserved /Contents hex string is parsed character by character by every verifier (pyHanko
        # takes ~1 ms per 3 kB), so reserve little: a B-B container (RSA, fixed-size attributes) has
        # exactly the estimated size; a timestamp token varies by a few bytes between requests.
        margin = 128 if sealer.timestamper is None or sealer.options.level == "B-B" else exact // 4
        reserved = exact + margin + (margin % 2)
        if key is not None:
            with sealer._lock:
                if len(sealer._reserved) > 256:  # bounded: a few entries per signer in use
                    sealer._reserved.clear()
                sealer._reserved[key] = reserved
    tbs = session.prepare_tbs_document(validation_info=validation_info, bytes_reserved=reserved)
    prepared, output = tbs.digest_tbs_document(output=io.BytesIO())
    post = await tbs.perform_signature(
        document_digest=prepared.document_digest,
        pdf_cms_signed_attrs=PdfCMSSignedAttributes(
            signing_time=session.system_time,
            adobe_revinfo_attr=None if validation_info is None else validation_info.adobe_revinfo_attr,
            cades_signed_attrs=pdf_signer.signature_meta.cades_signed_attr_spec,
        ),
    )
    await post.post_signature_processing(output)
    return output.getvalue()


def seal_pdf(pdf: bytes, specs: Sequence[SignatureSpec], options: SealOptions | None = None) -> bytes:
    """One-shot :meth:`Sealer.seal`."""
    return Sealer(options).seal(pdf, specs)


def _writer(pdf: bytes) -> IncrementalPdfFileWriter:
    try:
        # strict=False: tolerate the small syntax slips of real-world PDFs (this never rewrites them)
        return IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    except (PdfError, ValueError) as exc:
        raise SealingError("PDF 文件无法解析", f"the PDF cannot be parsed: {exc}", code="bad_pdf") from exc


def _field_spec(name: str, placement: Placement | None) -> fields.SigFieldSpec:
    if placement is None:
        return fields.SigFieldSpec(sig_field_name=name)  # invisible: zero-size widget, print flag (PDF/A)
    return fields.SigFieldSpec(sig_field_name=name, on_page=placement.page, box=_int_box(placement.box))


def _int_box(box: tuple[float, float, float, float]) -> tuple[int, int, int, int]:
    # pyHanko's SigFieldSpec types the box as ints; whole points are plenty for a seal.
    x1, y1, x2, y2 = box
    return round(x1), round(y1), round(x2), round(y2)
