"""Active content in a PDF: found, and taken out (安全性 — an archive copy must stay inert).

One detector for every place that asks: evidence attachments on upload (:func:`sanitise_pdf`, via
``attachments.attachment_pdf``), the assembled volume before it is sealed, ``casefile check``
(``check.check_volume``) and the archive's 四性检测 (``archive.packaging.fourness``).

Active content is anything a reader may *do* rather than show:

- actions (``/S``) other than an internal ``/GoTo`` — JavaScript, Launch, URI, SubmitForm, ImportData,
  ResetForm, GoToR, GoToE, Rendition, Sound, Movie, Hide, Named, SetOCGState, Trans, GoTo3DView,
  RichMediaExecute, Thread — wherever they hang: the catalog's ``/OpenAction``, link and widget
  annotations' ``/A``, outline items, the ``/Next`` chain of another action, any other key;
- trigger dictionaries ``/AA`` (catalog, page, annotation, form field), whatever they trigger;
- ``/JS`` anywhere (a JavaScript string or stream), the document-level ``/Names /JavaScript`` tree;
- embedded files: ``/Names /EmbeddedFiles``, a file specification's ``/EF``, ``/EmbeddedFile`` streams,
  FileAttachment annotations; and the media annotations (Sound, Movie, Screen, RichMedia, 3D);
- XFA forms (``/AcroForm /XFA``) and the ``/AlternatePresentations`` and ``/Renditions`` name trees.

The whole object graph reachable from the trailer is walked, iteratively and once per object, up to
``max_objects`` (past it the file is reported ``too_complex``: refused rather than half-checked).
Internal links (``/Dest``, ``/GoTo`` actions) and the catalog's ``/OpenAction`` destination are kept:
they move the view within the file and nothing else.

:func:`sanitise_pdf` removes every one of these (the key or array element that holds it; objects no
longer referenced are not written), checks the result again, and returns the new bytes with the list
of what was removed; a file that is still not clean after that is refused by the caller.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pikepdf

__all__ = ["ActiveFinding", "find_active_content", "open_and_find", "sanitise_pdf", "summary"]

#: Every action type of ISO 32000-2, so that ``/S`` of other dictionaries (page labels, structure
#: elements, soft masks, border styles) is never taken for one.
_ACTION_TYPES = frozenset(
    {
        "/GoTo",
        "/GoToR",
        "/GoToE",
        "/GoToDp",
        "/Launch",
        "/Thread",
        "/URI",
        "/Sound",
        "/Movie",
        "/Hide",
        "/Named",
        "/SubmitForm",
        "/ResetForm",
        "/ImportData",
        "/JavaScript",
        "/ECMAScript",
        "/SetOCGState",
        "/Rendition",
        "/Trans",
        "/GoTo3DView",
        "/RichMediaExecute",
    }
)
_MEDIA_ANNOTATIONS = frozenset({"/FileAttachment", "/Sound", "/Movie", "/Screen", "/RichMedia", "/3D"})
#: Keys whose value is active content whatever it holds.
_ACTIVE_KEYS = {
    "/AA": ("additional_actions", "触发动作（/AA）", "trigger actions (/AA)"),
    "/JS": ("javascript", "JavaScript 脚本", "JavaScript"),
    "/JavaScript": ("javascript", "JavaScript 脚本", "document JavaScript (/Names /JavaScript)"),
    "/EmbeddedFiles": ("embedded_file", "嵌入文件", "embedded files (/Names /EmbeddedFiles)"),
    "/EF": ("embedded_file", "嵌入文件", "embedded file (/EF)"),
    "/XFA": ("xfa", "XFA 动态表单", "XFA form"),
    "/AlternatePresentations": ("media", "多媒体放映", "alternate presentations"),
    "/Renditions": ("media", "多媒体放映", "renditions"),
    "/RichMediaContent": ("media", "富媒体", "rich media"),
}


@dataclass(frozen=True)
class ActiveFinding:
    """One piece of active content: ``code`` (``javascript``, ``action_launch``, ``action_uri``,
    ``additional_actions``, ``embedded_file``, ``annotation_fileattachment``, ``xfa``, ``media``,
    ``too_complex`` …), where it is (``page 2 /Annots[0] /A``) and what it is, in Chinese and English."""

    code: str
    where: str
    message_zh: str
    message_en: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message_zh} / {self.message_en}"


def _name(value: object) -> str | None:
    return str(value) if isinstance(value, pikepdf.Name) else None


def _dict_of(obj: pikepdf.Object) -> pikepdf.Dictionary | None:
    if isinstance(obj, pikepdf.Stream):
        return obj.stream_dict
    if isinstance(obj, pikepdf.Dictionary):
        return obj
    return None


def _danger(obj: pikepdf.Object, depth: int = 0) -> ActiveFinding | None:
    """What makes ``obj`` itself active (an action, an embedded file stream, a media annotation), if
    anything. The place is filled in by the caller."""
    d = _dict_of(obj)
    if d is None:
        return None
    kind = _name(d.get("/S"))
    if kind in _ACTION_TYPES or _name(d.get("/Type")) == "/Action":
        if kind == "/GoTo" and "/JS" not in d:
            nxt = d.get("/Next")
            if nxt is None or depth > 20:
                return None if nxt is None else ActiveFinding("action_chain", "", "动作链过长", "action chain too long")
            items = list(nxt) if isinstance(nxt, pikepdf.Array) else [nxt]
            for item in items:
                found = _danger(item, depth + 1)
                if found is not None:
                    return found
            return None
        label = (kind or "/?")[1:]
        if kind in ("/JavaScript", "/ECMAScript") or "/JS" in d:
            return ActiveFinding("javascript", "", "JavaScript 脚本动作", "JavaScript action")
        return ActiveFinding(f"action_{label.lower()}", "", f"{label} 动作", f"{label} action")
    if "/JS" in d:
        return ActiveFinding("javascript", "", "JavaScript 脚本", "JavaScript")
    if _name(d.get("/Type")) == "/EmbeddedFile":
        return ActiveFinding("embedded_file", "", "嵌入文件", "embedded file")
    subtype = _name(d.get("/Subtype"))
    if subtype in _MEDIA_ANNOTATIONS and ("/Rect" in d or _name(d.get("/Type")) == "/Annot"):
        label = subtype[1:]
        return ActiveFinding(f"annotation_{label.lower()}", "", f"{label} 注释（附件或多媒体）", f"{label} annotation")
    return None


def _walk(pdf: pikepdf.Pdf, *, remove: bool, max_objects: int) -> list[ActiveFinding]:
    findings: list[ActiveFinding] = []
    seen: set[tuple[int, int]] = set()
    visited = 0

    def found(finding: ActiveFinding, where: str) -> None:
        findings.append(ActiveFinding(finding.code, where, finding.message_zh, finding.message_en))

    # Pages first, so that what hangs on a page is named by its page number; then everything else
    # reachable from the trailer. Nothing is skipped: a back-pointer only leads to objects seen.
    try:
        pages = [(page.obj, f"page {n}") for n, page in enumerate(pdf.pages, start=1)]
    except pikepdf.PdfError:
        pages = []
    stack: list[tuple[pikepdf.Object, str]] = [(pdf.trailer, "trailer"), *reversed(pages)]
    while stack:
        obj, where = stack.pop()
        if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream) and obj.is_indirect:
            if obj.objgen in seen:
                continue
            seen.add(obj.objgen)
        visited += 1
        if visited > max_objects:
            too_complex = ActiveFinding(
                "too_complex",
                "",
                f"对象超过 {max_objects} 个，无法完整检查",
                f"more than {max_objects} objects: cannot be checked completely",
            )
            found(too_complex, "document")
            return findings
        d = _dict_of(obj)
        if d is not None:
            for key in list(d.keys()):
                place = f"{where} {key}"
                value = d.get(key)
                danger = None
                if key in _ACTIVE_KEYS:
                    code, zh, en = _ACTIVE_KEYS[key]
                    danger = ActiveFinding(code, "", zh, en)
                else:
                    danger = _danger(value)
                if danger is not None:
                    found(danger, place)
                    if remove:
                        del d[key]
                else:
                    stack.append((value, place))
        elif isinstance(obj, pikepdf.Array):
            for index in reversed(range(len(obj))):
                value = obj[index]
                place = f"{where}[{index}]"
                danger = _danger(value)
                if danger is not None:
                    found(danger, place)
                    if remove:
                        del obj[index]
                else:
                    stack.append((value, place))
    return findings


def find_active_content(pdf: pikepdf.Pdf, *, max_objects: int = 500_000) -> list[ActiveFinding]:
    """Every piece of active content in the open ``pdf`` (empty: the file is inert)."""
    return _walk(pdf, remove=False, max_objects=max_objects)


def open_and_find(data: bytes, *, max_objects: int = 500_000) -> list[ActiveFinding]:
    """:func:`find_active_content` of PDF bytes (an unreadable file raises ``pikepdf.PdfError``)."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return find_active_content(pdf, max_objects=max_objects)


def sanitise_pdf(data: bytes, *, max_objects: int = 500_000) -> tuple[bytes, list[ActiveFinding], list[ActiveFinding]]:
    """(clean bytes, what was removed, what is left). Without active content the bytes come back
    untouched (a clean scan stays byte for byte what was received); else the file is rewritten
    without it — objects nothing refers to any more are not written, incremental updates are gone.
    ``what is left`` is non-empty only when the walk could not finish (``too_complex``) or something
    survived, and then the caller refuses the file."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        removed = _walk(pdf, remove=True, max_objects=max_objects)
        if not removed:
            return data, [], []
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True)
    clean = out.getvalue()
    return clean, removed, open_and_find(clean, max_objects=max_objects)


def summary(findings: list[ActiveFinding], limit: int = 10) -> tuple[str, str]:
    """(中文, English) one-line list of ``findings`` for a message."""
    shown = findings[:limit]
    more = len(findings) - len(shown)
    zh = "；".join(f"{f.where}：{f.message_zh}" for f in shown) + (f"；另 {more} 处" if more else "")
    en = "; ".join(f"{f.where}: {f.message_en}" for f in shown) + (f"; {more} more" if more else "")
    return zh, en
