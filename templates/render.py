"""DOCX rendering: a form's Word template + a :class:`DocumentContext` → DOCX bytes.

Templates are ordinary Word files with docxtpl/Jinja tags (``{{ }}``, ``{%tr for %}``, ``{%p if %}``)
so that a bureau can adjust the wording in Word. We use docxtpl for what makes that work — its
``patch_xml`` pre-processing (tags split across runs by Word, row/paragraph-level tags) and its
``resolve_listing`` post-processing (``\\n`` → line break, ``\\a`` → new paragraph) — but not its
``render()``, which re-reads and re-parses the DOCX and recompiles the Jinja source on every call
(~18 ms for our forms). Instead each template is parsed and compiled once and cached; a render is a
Jinja render of the cached parts plus re-zipping the package (~1.3 ms). Jinja templates are immutable after
compilation, so one renderer can serve many threads.

Policy for values (the Jinja environment):

- autoescape is on: ``<``, ``&`` and quotes in user text become XML entities, never broken XML;
- ``None`` (an absent optional field) prints as nothing, dates print as ``2023年5月9日``, amounts
  as ``10000.00``, lists joined with ``、`` — see :func:`_finalize`;
- an unknown name (``f.no_such_field``, ``org.nmae``) is *lenient* — it prints as nothing so that
  a bureau's edited template never takes the service down — but every such use is recorded; a
  renderer built with ``strict=True`` (the tests) raises :class:`RenderError` naming them, which
  is how a template typo is caught.
- filters: ``cn_date``, ``cn_datetime``, ``cn_datetime_range``, ``money``, ``money_upper``,
  ``checkbox`` (formatting.py) and ``paras`` (longtext → one Word paragraph per line).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import logging
import re
import threading
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

import jinja2
from docxtpl import DocxTemplate
from lxml import etree
from markupsafe import Markup, escape

from .context import DocumentContext
from .errors import RenderError
from .formatting import checkbox, cn_date, cn_datetime, cn_datetime_range, money, money_upper, sanitize_text
from .generic import FieldSpec, render_generic

__all__ = ["FORMS_DIR", "DocxRenderer", "FormLike", "jinja_context"]

log = logging.getLogger(__name__)

FORMS_DIR = Path(__file__).resolve().parent / "forms"

_TEMPLATED_PART = re.compile(r"^word/(document|header\d*|footer\d*)\.xml$")
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")

# docxtpl's patch_xml / resolve_listing are pure string transforms that never touch the instance's
# document, so one helper instance serves all templates and threads.
_DOCXTPL = DocxTemplate(io.BytesIO())

# Undefined names used during the current render (per thread / task).
_UNDEFINED_USES: ContextVar[list[str] | None] = ContextVar("anjuan_undefined_uses", default=None)


# -- values as the template sees them -----------------------------------------------------------


class _Record:
    """Field values (``f``) and table rows with attribute access only.

    A plain dict would let ``f.items`` or ``row.values`` resolve to dict methods; this object has no
    public attributes, so every ``f.<id>`` is a field lookup (missing → undefined).
    """

    __slots__ = ("_data",)

    def __init__(self, data: dict[str, Any]) -> None:
        object.__setattr__(self, "_data", {k: _wrap(v) for k, v in data.items()})

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return self._data[name]
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, name: str) -> Any:
        return self._data[name]

    def __contains__(self, name: object) -> bool:
        return name in self._data

    def __repr__(self) -> str:
        return f"_Record({self._data!r})"


def _wrap(value: Any) -> Any:
    if isinstance(value, dict):
        return _Record(value)
    if isinstance(value, list | tuple):
        return [_wrap(v) for v in value]
    return value


def jinja_context(context: DocumentContext) -> dict[str, Any]:
    """The variables of :meth:`DocumentContext.as_jinja`, with ``f`` and table rows as records."""
    variables = context.as_jinja()
    variables["f"] = _Record(variables["f"])
    return variables


class _LenientUndefined(jinja2.ChainableUndefined):
    """Prints as nothing, is falsy and iterates as empty — and records that it was used."""

    __slots__ = ()

    def _note(self) -> None:
        uses = _UNDEFINED_USES.get()
        if uses is None:
            return
        obj = self._undefined_obj
        if isinstance(obj, _Record):
            uses.append(f"f.{self._undefined_name}")  # also rows of a table field
        else:
            uses.append(self._undefined_message)

    def __str__(self) -> str:
        self._note()
        return ""

    def __html__(self) -> str:
        return self.__str__()

    def __bool__(self) -> bool:
        self._note()
        return False

    def __iter__(self) -> Iterator[Any]:
        self._note()
        return iter(())

    def __len__(self) -> int:
        self._note()
        return 0

    __hash__ = jinja2.ChainableUndefined.__hash__


def _finalize(value: Any) -> Any:
    """Turn each ``{{ }}`` value into text (before autoescape)."""
    if value is None:
        return ""
    if isinstance(value, jinja2.Undefined):
        return str(value)
    if isinstance(value, Markup):  # already escaped by one of our filters (paras)
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return cn_datetime(value)
    if isinstance(value, dt.date):
        return cn_date(value)
    if isinstance(value, Decimal):
        return money(value)
    if isinstance(value, list | tuple):
        return "、".join(sanitize_text(str(_finalize(v))) for v in value if v not in (None, ""))
    return sanitize_text(str(value))


def paras(value: Any) -> Markup:
    """Longtext → one Word paragraph per non-empty line (docxtpl turns ``\\a`` into ``</w:p><w:p>``
    with the same paragraph and run properties, so each keeps the first-line indent)."""
    if value is None or isinstance(value, jinja2.Undefined):
        return Markup(str(value) if value is not None else "")
    lines = [line.strip() for line in sanitize_text(str(value)).split("\n")]
    return Markup("\a").join(escape(line) for line in lines if line)


def _filter(func: Callable[..., str]) -> Callable[..., str]:
    """Let a formatting function take undefined values (a mistyped name) as None."""

    def defined(value: Any) -> Any:
        if isinstance(value, jinja2.Undefined):
            str(value)  # record the use
            return None
        return value

    @functools.wraps(func)
    def wrapper(value: Any, *args: Any) -> str:
        return func(defined(value), *(defined(a) for a in args))

    return wrapper


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        autoescape=True,
        undefined=_LenientUndefined,
        finalize=_finalize,
        keep_trailing_newline=True,
    )
    env.filters.update(
        cn_date=_filter(cn_date),
        cn_datetime=_filter(cn_datetime),
        cn_datetime_range=_filter(cn_datetime_range),
        money=_filter(money),
        money_upper=_filter(money_upper),
        checkbox=_filter(checkbox),
        paras=paras,
    )
    return env


# -- compiled templates -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Compiled:
    """A parsed template: the package's zip entries and the compiled Jinja source of its parts."""

    name: str
    stamp: tuple[int, int]  # (mtime_ns, size) of the file it was compiled from
    entries: tuple[tuple[zipfile.ZipInfo, bytes], ...]
    parts: dict[str, jinja2.Template]
    sources: dict[str, str]  # pre-processed part sources, for error context
    column_loops: frozenset[str]  # parts with {%tc %} column loops: their tables need fixing


def _compile(name: str, data: bytes, stamp: tuple[int, int], env: jinja2.Environment) -> _Compiled:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            entries = tuple((info, package.read(info.filename)) for info in package.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise RenderError.failed(name, f"not a DOCX file: {exc}") from exc
    parts: dict[str, jinja2.Template] = {}
    sources: dict[str, str] = {}
    column_loops: set[str] = set()
    for info, blob in entries:
        if not _TEMPLATED_PART.match(info.filename):
            continue
        xml = blob.decode("utf-8")
        if "{{" not in xml and "{%" not in xml and "{#" not in xml:
            continue
        # as docxtpl.render_xml_part: one <w:p> per source line, so a Jinja error's line number
        # points at a paragraph we can quote.
        source = re.sub(r"<w:p([ >])", r"\n<w:p\1", _DOCXTPL.patch_xml(xml))
        try:
            parts[info.filename] = env.from_string(source)
        except jinja2.TemplateSyntaxError as exc:
            raise RenderError.failed(name, _describe(exc, source)) from exc
        sources[info.filename] = source
        if "{%tc" in xml:
            column_loops.add(info.filename)
    if "word/document.xml" not in {info.filename for info, _ in entries}:
        raise RenderError.failed(name, "no word/document.xml")
    return _Compiled(
        name=name,
        stamp=stamp,
        entries=entries,
        parts=parts,
        sources=sources,
        column_loops=frozenset(column_loops),
    )


def _describe(exc: jinja2.TemplateError, source: str | None) -> str:
    """The Jinja message plus the text of the paragraph around the error, markup stripped."""
    message = f"{type(exc).__name__}: {exc.message or exc}"
    lineno = getattr(exc, "lineno", None)
    if source and lineno:
        lines = source.splitlines()[max(lineno - 2, 0) : lineno + 1]
        text = " ".join(t for t in (re.sub(r"<[^>]+>", "", line).strip() for line in lines) if t)
        if text:
            message += f" (near: {text[:200]})"
    return message


def _render_part(template: jinja2.Template, variables: dict[str, Any]) -> str:
    xml = template.render(variables)
    xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", xml)
    # docxtpl's escapes for literal braces in the document text
    xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
    return str(_DOCXTPL.resolve_listing(xml))


class FormLike(Protocol):
    """A catalogue form as far as the generic layout needs it (``archive.catalogue.FormSpec``)."""

    @property
    def name(self) -> str: ...
    @property
    def fields(self) -> Sequence[FieldSpec]: ...


# -- the renderer --------------------------------------------------------------------------------


class DocxRenderer:
    """Renders the forms' DOCX templates (``<form_id>.docx`` in ``template_dir``).

    ``strict=True`` turns every use of an undefined name into a :class:`RenderError` — for tests,
    where the sample context fills every catalogue field, so an undefined name is a template typo.
    """

    def __init__(self, template_dir: Path | None = None, *, strict: bool = False) -> None:
        self.template_dir = Path(template_dir) if template_dir is not None else FORMS_DIR
        self.strict = strict
        self._env = _environment()
        self._cache: dict[str, _Compiled] = {}
        self._lock = threading.Lock()

    # templates

    def template_path(self, template_name: str) -> Path:
        """``rectification_order`` or ``rectification_order.docx`` → its file in ``template_dir``."""
        if not _SAFE_NAME.match(template_name) or ".." in template_name:
            raise RenderError.failed(template_name, "invalid template name")
        name = template_name if template_name.endswith(".docx") else f"{template_name}.docx"
        return self.template_dir / name

    def has_template(self, template_name: str) -> bool:
        try:
            return self.template_path(template_name).is_file()
        except RenderError:
            return False

    def _compiled(self, template_name: str) -> _Compiled:
        path = self.template_path(template_name)
        try:
            st = path.stat()
        except OSError as exc:
            raise RenderError.missing(template_name, str(path)) from exc
        stamp = (st.st_mtime_ns, st.st_size)
        cached = self._cache.get(path.name)
        if cached is not None and cached.stamp == stamp:
            return cached
        with self._lock:  # compile each template once even when many threads ask at once
            cached = self._cache.get(path.name)
            if cached is not None and cached.stamp == stamp:
                return cached
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise RenderError.missing(template_name, str(path)) from exc
            compiled = _compile(path.name, data, stamp, self._env)
            self._cache[path.name] = compiled
            return compiled

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()

    # rendering

    def render(self, template_name: str, context: DocumentContext) -> bytes:
        """The filled-in DOCX of ``template_name`` for ``context``."""
        compiled = self._compiled(template_name)
        variables = jinja_context(context)
        uses: list[str] = []
        token = _UNDEFINED_USES.set(uses)
        rendered: dict[str, bytes] = {}
        try:
            for part_name, template in compiled.parts.items():
                try:
                    xml = _render_part(template, variables)
                except jinja2.TemplateError as exc:
                    raise RenderError.failed(compiled.name, _describe(exc, compiled.sources.get(part_name))) from exc
                except (TypeError, ValueError, ArithmeticError) as exc:  # a filter given a bad value
                    raise RenderError.failed(compiled.name, f"{type(exc).__name__}: {exc}") from exc
                try:
                    # a strict parse: an escaping bug must fail here, not as a corrupt Word file
                    etree.fromstring(xml.encode("utf-8"))
                except etree.XMLSyntaxError as exc:
                    raise RenderError.failed(compiled.name, f"rendered XML is invalid: {exc}") from exc
                if part_name in compiled.column_loops:
                    # docxtpl's fix: a {%tc %} loop changes the cell count; widen tblGrid to match
                    tree = _DOCXTPL.fix_tables(xml.encode("utf-8"))
                    rendered[part_name] = etree.tostring(tree, xml_declaration=True, encoding="UTF-8", standalone=True)
                else:
                    rendered[part_name] = xml.encode("utf-8")
        finally:
            _UNDEFINED_USES.reset(token)
        if uses:
            names = sorted(set(uses))
            if self.strict:
                raise RenderError.failed(compiled.name, "undefined: " + "; ".join(names))
            log.debug("template %s: undefined values printed blank: %s", compiled.name, names)
        return _package(compiled.entries, rendered)

    def render_generic(
        self,
        form_title: str | FormLike,
        field_specs: Sequence[FieldSpec] | DocumentContext,
        context: DocumentContext | None = None,
    ) -> bytes:
        """The generic layout (generic.py) for a form without its own template.

        Also callable as ``render_generic(form, context)`` with a catalogue form (its ``name`` and
        ``fields``), which is how ``archive`` holds them.
        """
        if context is None:
            if not isinstance(field_specs, DocumentContext) or isinstance(form_title, str):
                raise TypeError("render_generic(form_title, field_specs, context) or render_generic(form, context)")
            form, context = form_title, field_specs
            return render_generic(form.name, form.fields, context)
        if isinstance(form_title, str) and not isinstance(field_specs, DocumentContext):
            return render_generic(form_title, field_specs, context)
        raise TypeError("render_generic(form_title, field_specs, context) or render_generic(form, context)")


def _package(entries: tuple[tuple[zipfile.ZipInfo, bytes], ...], replaced: dict[str, bytes]) -> bytes:
    """Re-zip the template package with the rendered parts (same order and timestamps, so the same
    input gives the same bytes)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as package:
        for info, blob in entries:
            target = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            target.compress_type = zipfile.ZIP_DEFLATED
            target.external_attr = info.external_attr
            package.writestr(target, replaced.get(info.filename, blob))
    return out.getvalue()
