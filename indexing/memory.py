"""The test implementation of the search backend: every search is a plain scan.

It holds records in a dict and answers by testing each one, with the simplest possible reading of
the query language — a term or phrase is a substring of the squeezed title + text, a number is an
exact key, a field is a comparison. That makes it the oracle the Whoosh backend is checked against
(``tests/indexing``): the two must return the same records for every query. It ranks by how often
the query's strings occur (enough for tests; relevance quality is measured on the real backend).
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import threading
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from .analysis import fold, number_keys, squeeze
from .api import FACETS, Hit, IndexDoc, IndexStats, Progress, SearchRequest, SearchResult
from .errors import InvalidQuery
from .query import And, Match, Node, Not, Or, QuerySyntaxError, Range, parse

__all__ = ["MemoryBackend"]

_SEP = "\x00"


class MemoryBackend:
    def __init__(self) -> None:
        self._docs: dict[str, IndexDoc] = {}
        self._checkpoint: str | None = None
        self._lock = threading.Lock()

    # -- writing --

    def index(self, docs: Iterable[IndexDoc], *, checkpoint: str | None = None, wait: float | None = None) -> int:
        n = 0
        with self._lock:
            for doc in docs:
                self._docs[doc.key] = doc
                n += 1
            if checkpoint is not None:
                self._checkpoint = checkpoint
        return n

    def delete(self, keys: Sequence[str], *, wait: float | None = None) -> int:
        with self._lock:
            return sum(self._docs.pop(k, None) is not None for k in keys)

    def rebuild(
        self,
        docs: Iterable[IndexDoc],
        total: int | None = None,
        progress: Progress | None = None,
        *,
        checkpoint: str | None = None,
    ) -> int:
        fresh = {d.key: d for d in docs}
        with self._lock:
            self._docs = fresh
            self._checkpoint = checkpoint
        if progress:
            progress(len(fresh), total or len(fresh))
        return len(fresh)

    def checkpoint(self) -> str | None:
        return self._checkpoint

    def current(self) -> bool:
        return True

    def keys(self) -> set[str]:
        return set(self._docs)

    def stats(self) -> IndexStats:
        return IndexStats(documents=len(self._docs), schema_version=0, location="memory")

    def close(self) -> None:
        pass

    # -- searching --

    def search(self, request: SearchRequest) -> SearchResult:
        t0 = time.perf_counter()
        try:
            node = parse(request.query)
        except QuerySyntaxError as exc:
            raise InvalidQuery.from_syntax(exc, request.query) from exc
        docs = [d for d in list(self._docs.values()) if request.visibility.allows(d) and _filters(d, request)]
        hits = [d for d in docs if node is None or _matches(d, node)]
        literals = _literals(node) if node is not None else []
        scores = {d.key: _score(d, literals) for d in hits}
        if request.sort == "relevance" and literals:
            hits.sort(key=lambda d: (-scores[d.key], d.key))
        else:
            hits.sort(key=lambda d: (d.date or dt.date.min, d.key), reverse=request.sort != "date_asc")
        facets: dict[str, dict[str, int]] = {}
        for name in FACETS:
            values: Counter[str] = Counter()
            for d in hits:
                value = _facet(d, name)
                if value:
                    values[value] += 1
            facets[name] = dict(sorted(values.items(), key=lambda kv: (-kv[1], kv[0])))
        page, size = max(1, request.page), max(1, min(request.size, 200))
        shown = hits[(page - 1) * size : page * size]
        out = tuple(
            Hit(
                key=d.key,
                score=float(scores[d.key]),
                kind=d.kind,
                title=d.title,
                form=d.form,
                form_name=d.form_name,
                number=d.number,
                org_id=d.org_id,
                case_id=d.case_id,
                party=d.party,
                status=d.status,
                date=d.date,
                snippet=html.escape(d.text[:120]),
            )
            for d in shown
        )
        exact = isinstance(node, Match) and node.field == "number"
        took = (time.perf_counter() - t0) * 1000
        return SearchResult(len(hits), out, facets, page, size, round(took, 2), exact=exact)


def _facet(d: IndexDoc, name: str) -> str:
    date = d.date
    return {
        "kind": d.kind,
        "form": d.form,
        "org": str(d.org_id),
        "year": str(date.year) if date else "",
        "status": d.status,
    }[name]


def _matching(d: IndexDoc) -> str:
    return _squeezed(d.title, d.text)


@functools.lru_cache(maxsize=1 << 16)
def _squeezed(title: str, text: str) -> str:
    # Every query scans every record: squeeze each record's text once, not once per query and term
    # (a str caches its hash, so looking up the same record's strings again costs next to nothing).
    return squeeze(title) + _SEP + squeeze(text)


def _numbers(d: IndexDoc) -> set[str]:
    return {k for n in (d.number, d.credit_code, d.case_no, d.file_no) for k in number_keys(n)}


def _in_range(value: Any, low: Any, high: Any) -> bool:
    return value is not None and (low is None or value >= low) and (high is None or value <= high)


def _filters(d: IndexDoc, r: SearchRequest) -> bool:
    if r.kinds and d.kind not in r.kinds:
        return False
    if r.forms and not ({fold(f) for f in r.forms} & {d.form, fold(d.form_name)}):
        return False
    if r.statuses and d.status not in r.statuses:
        return False
    if r.org_subtree is not None and r.org_subtree not in (d.org_path or (d.org_id,)):
        return False
    if r.case_id is not None and d.case_id != r.case_id:
        return False
    if r.procedure and d.procedure != r.procedure:
        return False
    if r.industry and fold(d.industry) != fold(r.industry):
        return False
    if r.party and fold(r.party.strip()) not in fold(d.party):
        return False
    if r.handler and not any(fold(r.handler.strip()) in fold(h) for h in d.handlers):
        return False
    for value, low, high in (
        (d.issued, r.issued_from, r.issued_to),
        (d.decided, r.decided_from, r.decided_to),
        (d.filed, r.filed_from, r.filed_to),
        (d.amount, r.amount_min, r.amount_max),
    ):
        if (low is not None or high is not None) and not _in_range(value, low, high):
            return False
    return True


def _matches(d: IndexDoc, node: Node) -> bool:
    if isinstance(node, And):
        return all(_matches(d, p) for p in node.parts)
    if isinstance(node, Or):
        return any(_matches(d, p) for p in node.parts)
    if isinstance(node, Not):
        return not _matches(d, node.part)
    if isinstance(node, Range):
        value = {"issued": d.issued, "decided": d.decided, "filed": d.filed, "amount": d.amount}[node.field]
        return _in_range(value, node.low, node.high)
    field, text = node.field, node.text
    if field in ("number", "credit", "caseno", "fileno"):
        keys = number_keys(text)
        return bool(keys) and keys[0] in _numbers(d)
    if field == "text":
        needle = squeeze(text)
        return bool(needle) and needle in _matching(d)
    if field == "title":
        needle = squeeze(text)
        return bool(needle) and needle in squeeze(d.title)
    value = fold(text.strip())
    if field == "party":
        return bool(d.party) and value in fold(d.party)
    if field == "handler":
        return any(value in fold(h) for h in d.handlers)
    if field == "form":
        return value == d.form or (len(value) > 1 and (value in d.form or value in fold(d.form_name)))
    if field == "org":
        return value in {str(o) for o in (d.org_path or (d.org_id,))} or value == fold(d.org_name)
    if field == "case":
        return value == str(d.case_id)
    if field == "industry":
        return value == fold(d.industry)
    return value == {"kind": d.kind, "status": d.status, "procedure": d.procedure}.get(field)


def _literals(node: Node) -> list[str]:
    if isinstance(node, And | Or):
        return [lit for p in node.parts for lit in _literals(p)]
    if isinstance(node, Match) and node.field in ("text", "title"):
        return [squeeze(node.text)]
    return []


def _score(d: IndexDoc, literals: list[str]) -> int:
    text = _matching(d)
    return sum(text.count(lit) for lit in literals if lit)
