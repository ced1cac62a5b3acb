"""Loading the catalogue (``catalogue.yaml``) and the legal clauses (``clauses.yaml``).

Both files are validated against :mod:`.model` at load time; any problem (YAML syntax, an unknown
key, an unknown counter, a numbered form without a 代字, overlapping clause versions …) raises
:class:`CatalogueError` naming the file and the form or clause concerned.

Lookups:

- :func:`resolve_form` accepts a form's English id, its Chinese name, an alias, a ws code or the
  代字 listed in its aliases. Full-width and half-width forms (``（单位）`` / ``(单位)``), spaces and
  letter case are normalised. An unknown key raises :class:`UnknownForm` (code ``unknown_form``)
  with close matches in ``details["suggestions"]``.
- :func:`clauses_in_force` picks, per clause id, the version in force on a date
  (``effective_from`` and ``effective_to`` are both inclusive).
"""

from __future__ import annotations

import datetime as dt
import difflib
import itertools
import string
import unicodedata
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..datafile import load_rules_file
from ..errors import ArchiveError, NotFound
from .model import Catalogue, Clause, ClauseSet, FormSpec

__all__ = [
    "CLAUSE_CONTEXT_NAMES",
    "CatalogueError",
    "UnknownForm",
    "clauses_in_force",
    "form_keys",
    "load_catalogue",
    "load_clauses",
    "normalise_key",
    "resolve_form",
]

PACKAGE = "anjuan.archive.catalogue"
CATALOGUE_FILE = "catalogue.yaml"
CLAUSES_FILE = "clauses.yaml"

#: Placeholders a clause text may use besides its own params; the renderer fills them from the
#: organisation (templates/context.py OrgInfo).
CLAUSE_CONTEXT_NAMES = frozenset({"review_body", "court", "bank", "account", "org_name"})


class CatalogueError(ArchiveError):
    """The catalogue or clause file is unreadable or invalid (code ``catalogue_invalid``)."""

    code = "catalogue_invalid"


class UnknownForm(NotFound):
    """No form matches the key (code ``unknown_form``); ``details`` has ``key`` and ``suggestions``."""

    code = "unknown_form"


# -- loading -----------------------------------------------------------------------------------


def _describe_loc(loc: tuple[Any, ...], data: Any, collection: str) -> str:
    """``forms.8.fields.3.type`` → ``forms[survey_record].fields[weather].type``."""
    parts: list[str] = []
    node = data
    for item in loc:
        if isinstance(item, int) and isinstance(node, list) and 0 <= item < len(node):
            node = node[item]
            ident = node.get("id") if isinstance(node, dict) else None
            if parts:
                parts[-1] += f"[{ident}]" if ident else f"[{item}]"
            else:
                parts.append(f"[{item}]")
            continue
        node = node.get(item) if isinstance(node, dict) else None
        parts.append(str(item))
    return ".".join(parts) or collection


def _validation_error(exc: ValidationError, data: Any, label: str, collection: str) -> CatalogueError:
    problems = []
    for err in exc.errors():
        where = _describe_loc(tuple(err["loc"]), data, collection)
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key (not in the schema)"
        problems.append({"where": where, "message": msg})
    text = "; ".join(f"{p['where']}: {p['message']}" for p in problems)
    return CatalogueError(
        f"{label} 校验失败：{text}",
        f"{label} is invalid: {text}",
        details={"file": label, "errors": problems},
    )


def _problem(label: str, zh: str, en: str, **details: Any) -> CatalogueError:
    return CatalogueError(f"{label} 校验失败：{zh}", f"{label} is invalid: {en}", details={"file": label, **details})


def _check_catalogue_keys(catalogue: Catalogue, label: str) -> None:
    """Every lookup key (id, name, alias, ws code) must lead to exactly one form."""
    owner: dict[str, str] = {}
    for form in catalogue.forms:
        for key in _raw_keys(form):
            norm = normalise_key(key)
            if not norm:
                continue
            other = owner.setdefault(norm, form.id)
            if other != form.id:
                raise _problem(
                    label,
                    f"查找键“{key}”同时指向 {other} 和 {form.id}",
                    f"lookup key {key!r} names both {other} and {form.id}",
                    key=key,
                    forms=[other, form.id],
                )
    counter_ids = [c.id for c in catalogue.counters]
    dupes = sorted({c for c in counter_ids if counter_ids.count(c) > 1})
    if dupes:
        raise _problem(label, f"计数器重复：{dupes}", f"duplicate counters: {dupes}", counters=dupes)
    orders = [f.order for f in catalogue.forms]
    dup_orders = sorted({o for o in orders if orders.count(o) > 1})
    if dup_orders:
        raise _problem(label, f"序号（order）重复：{dup_orders}", f"duplicate order: {dup_orders}", orders=dup_orders)


def _build_catalogue(data: Any, label: str) -> Catalogue:
    if not isinstance(data, dict):
        raise _problem(label, "顶层必须是映射", "the top level must be a mapping")
    try:
        catalogue = Catalogue.model_validate(data)
    except ValidationError as exc:
        raise _validation_error(exc, data, label, "catalogue") from None
    _check_catalogue_keys(catalogue, label)
    return catalogue


def load_catalogue(path: Path | None = None) -> Catalogue:
    """The validated catalogue: the packaged ``catalogue.yaml`` or the file ``path`` (cached by
    source and content; shared, read-only)."""
    return load_rules_file(
        PACKAGE, CATALOGUE_FILE, None if path is None else Path(path), CatalogueError, _build_catalogue
    )


def _check_clauses(clauses: ClauseSet, label: str) -> None:
    by_id: dict[str, list[Clause]] = {}
    for clause in clauses.clauses:
        by_id.setdefault(clause.id, []).append(clause)
        if clause.effective_to is not None and clause.effective_to < clause.effective_from:
            raise _problem(
                label,
                f"条款 {clause.id}：effective_to 早于 effective_from",
                f"clause {clause.id}: effective_to is before effective_from",
                clause=clause.id,
            )
        try:
            names = {name for _, name, _, _ in string.Formatter().parse(clause.text) if name is not None}
        except ValueError as exc:
            raise _problem(
                label,
                f"条款 {clause.id}：文本格式错误（{exc}）",
                f"clause {clause.id}: bad text template ({exc})",
                clause=clause.id,
            ) from None
        unknown = sorted(n for n in names if n not in clause.params and n not in CLAUSE_CONTEXT_NAMES)
        if unknown:
            raise _problem(
                label,
                f"条款 {clause.id}：未知占位符 {unknown}",
                f"clause {clause.id}: unknown placeholders {unknown} (neither params nor "
                f"{sorted(CLAUSE_CONTEXT_NAMES)})",
                clause=clause.id,
                placeholders=unknown,
            )
    for clause_id, versions in by_id.items():
        versions.sort(key=lambda c: c.effective_from)
        for prev, nxt in itertools.pairwise(versions):
            if prev.effective_to is None or prev.effective_to >= nxt.effective_from:
                raise _problem(
                    label,
                    f"条款 {clause_id}：版本有效期重叠（{prev.effective_from} 与 {nxt.effective_from}）",
                    f"clause {clause_id}: versions overlap ({prev.effective_from} and {nxt.effective_from})",
                    clause=clause_id,
                )


def _build_clauses(data: Any, label: str) -> ClauseSet:
    if not isinstance(data, dict):
        raise _problem(label, "顶层必须是映射", "the top level must be a mapping")
    try:
        clauses = ClauseSet.model_validate(data)
    except ValidationError as exc:
        raise _validation_error(exc, data, label, "clauses") from None
    _check_clauses(clauses, label)
    return clauses


def load_clauses(path: Path | None = None) -> ClauseSet:
    """The validated clause set: the packaged ``clauses.yaml`` or the file ``path`` (cached by
    source and content; shared, read-only)."""
    return load_rules_file(PACKAGE, CLAUSES_FILE, None if path is None else Path(path), CatalogueError, _build_clauses)


def clauses_in_force(clauses: ClauseSet, on: dt.date) -> dict[str, Clause]:
    """Per clause id, the version in force on ``on`` (ids with no such version are left out)."""
    if isinstance(on, dt.datetime):
        on = on.date()
    out: dict[str, Clause] = {}
    for clause in clauses.clauses:
        if clause.effective_from <= on and (clause.effective_to is None or on <= clause.effective_to):
            current = out.get(clause.id)
            if current is None or clause.effective_from > current.effective_from:
                out[clause.id] = clause
    return out


# -- form lookup -------------------------------------------------------------------------------


def normalise_key(key: str) -> str:
    """NFKC (full-width → half-width brackets and letters), no whitespace, lower case."""
    text = unicodedata.normalize("NFKC", key)
    return "".join(text.split()).lower()


def _raw_keys(form: FormSpec) -> list[str]:
    keys = [form.id, form.name, *form.aliases]
    if form.ws_code:
        keys.append(form.ws_code)
    return keys


_INDEX: dict[int, tuple[Catalogue, dict[str, FormSpec]]] = {}


def form_keys(catalogue: Catalogue) -> dict[str, FormSpec]:
    """Normalised lookup key → form, for every id, name, alias and ws code (built once per catalogue)."""
    cached = _INDEX.get(id(catalogue))
    if cached is not None and cached[0] is catalogue:
        return cached[1]
    index: dict[str, FormSpec] = {}
    for form in catalogue.forms:
        for key in _raw_keys(form):
            index.setdefault(normalise_key(key), form)
    if len(_INDEX) > 16:  # catalogues are few and long-lived; keep the cache bounded anyway
        _INDEX.clear()
    _INDEX[id(catalogue)] = (catalogue, index)
    return index


def _suggestions(catalogue: Catalogue, norm: str, limit: int = 5) -> list[FormSpec]:
    index = form_keys(catalogue)
    found: list[FormSpec] = []

    def add(form: FormSpec) -> None:
        if form not in found:
            found.append(form)

    if norm:
        for key, form in index.items():
            if norm in key or (len(key) >= 2 and key in norm):
                add(form)
        for key in difflib.get_close_matches(norm, list(index), n=limit * 2, cutoff=0.5):
            add(index[key])
    return found[:limit]


def resolve_form(catalogue: Catalogue, key: str) -> FormSpec:
    """The form named by ``key`` (id, Chinese name, alias or ws code; brackets normalised).

    Raises :class:`UnknownForm` (``code == "unknown_form"``) suggesting close matches.
    """
    norm = normalise_key(key or "")
    form = form_keys(catalogue).get(norm)
    if form is not None:
        return form
    close = _suggestions(catalogue, norm)
    names = [f"{f.name}（{f.id}）" for f in close]
    hint_zh = f"，是否指：{'、'.join(names)}？" if names else ""
    hint_en = f"; did you mean: {', '.join(f'{f.name} ({f.id})' for f in close)}?" if close else ""
    raise UnknownForm(
        f"未知文书“{key}”{hint_zh}",
        f"unknown form {key!r}{hint_en}",
        details={"key": key, "suggestions": [{"id": f.id, "name": f.name} for f in close]},
    )
