"""四性检测 of an archival information package — authenticity, integrity, usability, security
(DA/T 70) — without the database, so a receiving archive can run it on a copy from anywhere.

The items and their codes are data (``checks.yaml``). Items a machine cannot decide (virus scan,
the safety of the filing process) are reported as ``manual``, never as passed.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PureWindowsPath
from typing import TYPE_CHECKING, Any, Literal
from xml.parsers import expat

import bagit

from .checks import CheckItem, load_checks
from .export import NS

try:  # the hardened parser, where installed; otherwise any DTD is refused before the stdlib parses
    import defusedxml
    import defusedxml.ElementTree as _defused
except ImportError:  # pragma: no cover - depends on the environment
    _defused = None

if TYPE_CHECKING:
    import pikepdf

    from ..views import Verification

__all__ = [
    "CheckItem",
    "FournessItem",
    "FournessReport",
    "MetadataError",
    "load_checks",
    "parse_metadata",
    "verify_package",
]

Result = Literal["pass", "fail", "warn", "manual", "info"]
_TAG_FILES = {"bagit.txt", "bag-info.txt", "manifest-sha256.txt", "tagmanifest-sha256.txt"}
_FORMATS = {".pdf", ".jpg", ".jpeg", ".png", ".xml"}
# 档号: 全宗号-门类代码·年度-保管期限代码-件号 (DA/T 22), e.g. Z002-ZF·2026-Y-0001
_FILE_NO = re.compile(r"^[A-Z0-9]+-[A-Z]{1,4}·\d{4}-(?:Y|D\d{2})-\d{4}$")
_REQUIRED = ("file_no", "title", "responsible", "date", "retention", "pages", "sha256")
_COUNT = re.compile(r"[0-9]+")  # ASCII digits only: int() would also take "１２" or "٣"


class MetadataError(ValueError):
    """Metadata XML that is not well-formed, or that declares a DTD or entities (never expanded)."""


def _forbid_dtd(data: bytes) -> None:
    """Refuse a document type declaration (and with it every ENTITY) before anything is parsed."""

    def refuse(*_args: Any) -> None:
        raise MetadataError("含DTD/实体声明，拒绝解析 DTD/ENTITY declarations are refused")

    scanner = expat.ParserCreate()
    scanner.StartDoctypeDeclHandler = refuse
    scanner.EntityDeclHandler = refuse
    scanner.UnparsedEntityDeclHandler = refuse
    scanner.ExternalEntityRefHandler = refuse
    try:
        scanner.Parse(data, True)
    except expat.ExpatError as exc:
        raise MetadataError(f"XML格式错误 not well-formed: {exc}") from exc


def parse_metadata(source: Path | bytes) -> ET.Element:
    """The root of a package's metadata XML, parsed safely — the one parser of the checker and the
    importer. A DOCTYPE or ENTITY declaration is refused, never expanded (no XXE, no entity bombs)."""
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    if _defused is not None:
        try:
            return _defused.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
        except defusedxml.DefusedXmlException as exc:
            raise MetadataError(f"含DTD/实体声明，拒绝解析 DTD/ENTITY declarations are refused: {exc}") from exc
        except ET.ParseError as exc:
            raise MetadataError(f"XML格式错误 not well-formed: {exc}") from exc
    _forbid_dtd(data)
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise MetadataError(f"XML格式错误 not well-formed: {exc}") from exc


def _count(value: str | None) -> int | None:
    """A 件数/件号/页数 as written in the metadata, or None when it is not a whole number."""
    value = (value or "").strip()
    return int(value) if _COUNT.fullmatch(value) else None


def _confined(data_dir: Path, ref: str) -> str | None:
    """``ref`` (a path the metadata names) relative to ``data/``; None when it is absolute or, once
    resolved (``..``, symbolic links), lies outside ``data/``."""
    if ref.startswith(("/", "\\")) or PureWindowsPath(ref).drive:
        return None
    root = data_dir.resolve()
    target = (root / ref).resolve()
    if not target.is_relative_to(root):
        return None
    return target.relative_to(root).as_posix()


@dataclass
class FournessItem:
    code: str
    name: str
    nature: str
    result: Result
    blocking: bool
    details: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class FournessReport:
    ok: bool
    path: str
    items: tuple[FournessItem, ...]

    def item(self, code: str) -> FournessItem:
        return next(i for i in self.items if i.code == code)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "path": self.path,
            "items": [
                {
                    "code": i.code,
                    "name": i.name,
                    "nature": i.nature,
                    "result": i.result,
                    "blocking": i.blocking,
                    "details": i.details,
                }
                for i in self.items
            ],
        }


def _text(element: ET.Element | None, tag: str) -> str:
    found = element.find(f"{{{NS}}}{tag}") if element is not None else None
    return (found.text or "").strip() if found is not None else ""


def _pdf_problems(pdf: pikepdf.Pdf) -> tuple[list[str], list[str]]:
    """(security problems, unembedded fonts) of an open PDF. Active content is found by the one
    detector that also cleans evidence on upload and guards sealing (templates/volume/active.py)."""
    import pikepdf
    from anjuan.templates.volume.active import find_active_content

    security = [f"{f.message_zh} {f.message_en} ({f.where})" for f in find_active_content(pdf)]
    fonts: set[str] = set()
    seen: set[tuple[int, int]] = set()

    def walk(obj: Any, depth: int = 0) -> None:
        if depth > 40:
            return
        if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
            if obj.is_indirect:
                key = obj.objgen
                if key in seen:
                    return
                seen.add(key)
            d = obj.stream_dict if isinstance(obj, pikepdf.Stream) else obj
            if d.get("/Type") == pikepdf.Name.Font:
                _font(d)
            for key in list(d.keys()):
                if key in ("/Parent", "/P"):
                    continue
                walk(d[key], depth + 1)
        elif isinstance(obj, pikepdf.Array):
            for value in obj:
                walk(value, depth + 1)

    def _font(font: Any) -> None:
        if font.get("/Subtype") == pikepdf.Name.Type3:
            return
        target = font
        if font.get("/Subtype") == pikepdf.Name.Type0:
            target = font.DescendantFonts[0]
        descriptor = target.get("/FontDescriptor")
        if descriptor is None or not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
            fonts.add(str(font.get("/BaseFont", "?")))

    for page in pdf.pages:
        walk(page.obj)
    return sorted(set(security)), sorted(fonts)


def verify_package(
    path: Path,
    *,
    verify_pdf: Callable[[bytes], Verification] | None = None,
    checks: tuple[CheckItem, ...] | None = None,
) -> FournessReport:
    """Run every item of ``checks.yaml`` on the bag at ``path``. ``verify_pdf`` validates signatures
    (the archive's own verifier, with its trust anchors); without it, pyHanko checks integrity only."""
    path = Path(path)
    catalogue = load_checks() if checks is None else checks
    items = {
        c.code: FournessItem(c.code, c.name, c.nature, "pass" if c.automatic else "manual", c.blocking)
        for c in catalogue
    }

    def fail(code: str, message: str) -> None:
        items[code].result = "fail"
        items[code].details.append(message)

    def warn(code: str, message: str) -> None:
        if items[code].result == "pass":
            items[code].result = "warn"
        items[code].details.append(message)

    data_dir = path / "data"
    # 安全性: structure — no links, nothing outside data/ but the tag files.
    for entry in path.rglob("*"):
        if entry.is_symlink():
            fail("YJ-4-4", f"符号链接 symbolic link: {entry.relative_to(path)}")
    for entry in path.iterdir():
        if entry.name not in _TAG_FILES and entry.name != "data":
            fail("YJ-4-4", f"data目录外的文件 file outside data/: {entry.name}")
    # 真实性: the bag's own manifests.
    try:
        bagit.Bag(str(path)).validate(completeness_only=False)
    except bagit.BagValidationError as exc:
        for detail in exc.details or [exc]:
            fail("YJ-1-14", f"信息包清单不符 manifest mismatch: {detail}")
    except bagit.BagError as exc:
        fail("YJ-1-14", f"不是有效的BagIt信息包 not a valid bag: {exc}")
    bag_info: dict[str, Any] = {}
    with contextlib.suppress(bagit.BagError):
        bag_info = dict(bagit.Bag(str(path)).info)

    # 可用性: every XML parses — by the one safe parser: a DTD or ENTITY declaration is refused.
    docs: dict[str, ET.Element] = {}
    for xml in sorted(data_dir.rglob("*.xml")) if data_dir.exists() else []:
        if xml.is_symlink():
            continue  # refused above (YJ-4-4); never followed
        try:
            docs[xml.relative_to(data_dir).as_posix()] = parse_metadata(xml)
        except MetadataError as exc:
            fail("YJ-3-1", f"元数据无法解析 unreadable XML {xml.relative_to(data_dir)}: {exc}")
    case = docs.get("case.xml")
    if case is None:
        fail("YJ-2-1", "缺少案卷元数据 case.xml missing")
        fail("YJ-2-4", "缺少案卷元数据 case.xml missing")
        return _report(path, items)

    # 档号
    file_no = _text(case, "file_no")
    if not _FILE_NO.match(file_no):
        fail("YJ-1-7", f"档号不规范 malformed 档号: {file_no!r}")
    if bag_info.get("External-Identifier") != file_no:
        fail(
            "YJ-1-7",
            f"档号与包说明不一致 bag-info External-Identifier {bag_info.get('External-Identifier')!r} ≠ {file_no!r}",
        )
    for tag in ("file_no", "archive_no", "title", "responsible", "retention", "items", "pages"):
        if not _text(case, tag):
            fail("YJ-2-4", f"案卷缺少必填项 case.xml lacks {tag}")
    if case.find(f"{{{NS}}}history") is None or not len(case.find(f"{{{NS}}}history")):
        fail("YJ-2-5", "案卷无处理过程信息 case.xml has no process history")
    case_pages = _text(case, "pages")
    if case_pages and _count(case_pages) is None:
        fail("YJ-2-7", f"案卷页数不是整数 case.xml 页数 is not a whole number: {case_pages!r}")

    listed = case.findall(f"{{{NS}}}contents/{{{NS}}}item")
    declared_text = _text(case, "items")
    declared = _count(declared_text)
    if declared is None:
        fail("YJ-2-1", f"件数不是整数 case.xml 件数 is not a whole number: {declared_text!r}")
    elif declared != len(listed):
        fail("YJ-2-1", f"件数{declared}与条目数{len(listed)}不符 items declared {declared}, listed {len(listed)}")
    raw_numbers = [i.get("item_no", "") for i in listed]
    numbers = [n for n in (_count(r) for r in raw_numbers) if n is not None]
    if len(numbers) != len(raw_numbers):
        bad = [r for r in raw_numbers if _count(r) is None]
        fail("YJ-2-6", f"件号不是整数 item numbers are not whole numbers: {bad}")
    elif numbers != list(range(1, len(listed) + 1)):
        fail("YJ-2-6", f"件号不连续 item numbers not 1..n: {numbers}")
    if len(set(numbers)) != len(numbers):
        fail("YJ-1-8", "件号重复 duplicate item numbers")

    def inside(ref: str, owner: str) -> str | None:
        """A path the metadata names, confined to data/: one that leaves it is a structural
        security failure (YJ-4-4) and is never opened, and its item counts as missing (YJ-2-1)."""
        if not ref:
            fail("YJ-2-1", f"{owner} 未指明文件 names no file")
            return None
        confined = _confined(data_dir, ref)
        if confined is None:
            fail("YJ-4-4", f"{owner} 引用的路径在data目录之外 path outside data/: {ref!r}")
            fail("YJ-2-1", f"缺少文件 missing file (outside data/): {ref!r}")
        return confined

    expected_files: set[str] = {"case.xml"}
    references = [("volume/casefile.pdf", "volume/casefile.xml")]
    references += [(i.get("file", ""), i.get("metadata", "")) for i in listed]
    doc_numbers: list[str] = []
    for content_ref, meta_ref in references:
        content, meta_name = inside(content_ref, "case.xml"), inside(meta_ref, "case.xml")
        expected_files |= {name for name in (content, meta_name) if name}
        if content is None or meta_name is None:
            continue
        target = data_dir / content
        if not target.is_file():
            fail("YJ-2-1", f"缺少文件 missing file: {content}")
            continue
        meta = docs.get(meta_name)
        if meta is None:
            if not (data_dir / meta_name).is_file():
                fail("YJ-2-1", f"缺少元数据 missing metadata: {meta_name}")
            continue  # present but unreadable: YJ-3-1 has it
        data = target.read_bytes()
        for tag in _REQUIRED:
            if not _text(meta, tag):
                fail("YJ-2-4", f"{meta_name} 缺少必填项 lacks {tag}")
        if _text(meta, "sha256") != hashlib.sha256(data).hexdigest():
            fail("YJ-1-9", f"数字摘要与文件不符 sha256 in {meta_name} ≠ {content}")
        if _text(meta, "size") != str(len(data)):
            fail("YJ-1-9", f"文件大小与元数据不符 size in {meta_name} ≠ {content}")
        pages = _text(meta, "pages")
        if pages and _count(pages) is None:
            fail("YJ-2-7", f"{meta_name} 页数不是整数 页数 is not a whole number: {pages!r}")
        history = meta.find(f"{{{NS}}}history")
        if history is None or not len(history):
            fail("YJ-2-5", f"{meta_name} 无处理过程信息 has no process history")
        number = _text(meta, "doc_number")
        if number and content.startswith("documents/"):
            doc_numbers.append(number)
        suffix = target.suffix.lower()
        if suffix not in _FORMATS:
            fail("YJ-3-3", f"非归档格式 not an archival format: {content}")
        pdfs = [(content, data)] if suffix == ".pdf" else []
        rendition = meta.find(f"{{{NS}}}rendition")
        if rendition is not None:
            rendered = inside(rendition.get("file", ""), meta_name)
            if rendered is not None:
                expected_files.add(rendered)
                if (data_dir / rendered).is_file():
                    pdfs.append((rendered, (data_dir / rendered).read_bytes()))
                else:
                    fail("YJ-2-1", f"缺少文件 missing rendition: {rendered}")
        for name, pdf_bytes in pdfs:
            _check_pdf(name, pdf_bytes, meta if name == content else None, fail, warn, items, verify_pdf)
    duplicates = sorted({n for n in doc_numbers if doc_numbers.count(n) > 1})
    if duplicates:
        fail("YJ-1-8", f"文号重复 duplicate 文号: {', '.join(duplicates)}")
    present = {p.relative_to(data_dir).as_posix() for p in data_dir.rglob("*") if p.is_file()}
    for extra in sorted(present - expected_files):
        fail("YJ-2-1", f"未列入元数据的文件 unlisted file: {extra}")
    return _report(path, items)


def _check_pdf(
    name: str,
    data: bytes,
    meta: ET.Element | None,
    fail: Callable[[str, str], None],
    warn: Callable[[str, str], None],
    items: dict[str, FournessItem],
    verify_pdf: Callable[[bytes], Verification] | None,
) -> None:
    import pikepdf  # here: only checking a package's PDFs needs it

    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError:
        fail("YJ-4-3", f"PDF已加密 encrypted: {name}")
        return
    except pikepdf.PdfError as exc:
        fail("YJ-3-3", f"PDF无法打开 cannot open {name}: {exc}")
        return
    with pdf:
        if pdf.is_encrypted:
            fail("YJ-4-3", f"PDF已加密 encrypted: {name}")
        if len(pdf.pages) == 0:
            fail("YJ-3-3", f"PDF没有页面 no pages: {name}")
        declared = _text(meta, "pages") if meta is not None and _text(meta, "format") == "application/pdf" else ""
        if _count(declared) is not None and _count(declared) != len(pdf.pages):  # not a number: failed already
            fail("YJ-2-7", f"页数{declared}与实际{len(pdf.pages)}不符 page count differs: {name}")
        security, fonts = _pdf_problems(pdf)
        for problem in security:
            fail("YJ-4-3", f"{name}: {problem}")
        if fonts:
            fail("YJ-3-5", f"{name}: 字体未嵌入 fonts not embedded: {', '.join(fonts)}")
        part = None
        try:
            with pdf.open_metadata() as xmp:
                part = xmp.get("pdfaid:part")
        except Exception:
            part = None
        items["YJ-3-6"].result = "info"
        items["YJ-3-6"].details.append(f"{name}: PDF/A-{part}" if part else f"{name}: 非PDF/A (no PDF/A claim)")
        signed = "/AcroForm" in pdf.Root and any(
            f.get("/FT") == pikepdf.Name.Sig for f in pdf.Root.AcroForm.get("/Fields", [])
        )
    # Signatures the metadata records for this file must still be in it (a stripped PDF is not authentic).
    listed = (
        [(sig.get("field") or "").strip() for sig in meta.findall(f"{{{NS}}}signatures/{{{NS}}}signature")]
        if meta is not None
        else []
    )
    if not signed:
        for field_name in listed:
            fail(
                "YJ-1-1",
                f"{name}: 元数据所列签名{field_name or '（未命名）'}在PDF中不存在 "
                "a signature the metadata lists is missing from the PDF",
            )
        return
    if verify_pdf is not None:
        signatures = [
            {"intact": s.intact, "valid": s.valid, "trusted": s.trusted, "field": s.field}
            for s in verify_pdf(data).signatures
        ]
    else:
        from anjuan.signing import verify_pdf as pyhanko_verify

        result = pyhanko_verify(data, trust_roots=[])
        signatures = [
            {"intact": s.intact, "valid": s.valid, "trusted": s.trusted, "field": s.field_name}
            for s in result.signatures
        ]
    present = {sig.get("field") for sig in signatures}
    missing = [f for f in listed if f and f not in present]
    for field_name in missing:
        fail(
            "YJ-1-1",
            f"{name}: 元数据所列签名{field_name}在PDF中不存在 a signature the metadata lists is missing from the PDF",
        )
    if not missing and len(signatures) < len(listed):
        fail(
            "YJ-1-1",
            f"{name}: 元数据列出{len(listed)}个签名，PDF中只有{len(signatures)}个 "
            f"the metadata lists {len(listed)} signatures, the PDF has {len(signatures)}",
        )
    for sig in signatures:
        if not (sig.get("intact") and sig.get("valid")):
            fail("YJ-1-1", f"{name}: 签名{sig.get('field')}无效或内容被改动 signature invalid or content altered")
        elif not sig.get("trusted"):
            warn(
                "YJ-1-1",
                f"{name}: 签名{sig.get('field')}完整有效，但未能追溯到受信任根 intact, root not trusted",
            )


def _report(path: Path, items: dict[str, FournessItem]) -> FournessReport:
    ok = not any(i.result == "fail" and i.blocking for i in items.values())
    return FournessReport(ok=ok, path=str(path), items=tuple(items.values()))
