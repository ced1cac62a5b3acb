"""The search-backend interface: what callers give an index and what they get back.

Nothing here names Whoosh. Callers (``archive/search``) build :class:`IndexDoc` records from the
archive and :class:`SearchRequest` values from user input; a backend turns them into hits. The
embedded default is :class:`anjuan.indexing.whoosh_backend.WhooshBackend`; the test implementation
is :class:`anjuan.indexing.memory.MemoryBackend`, a brute-force scan that doubles as the oracle the
real backend is checked against. A larger deployment can add a Tantivy or OpenSearch backend
behind the same protocol without touching callers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

__all__ = [
    "FACETS",
    "Hit",
    "IndexDoc",
    "IndexStats",
    "Progress",
    "SearchBackend",
    "SearchRequest",
    "SearchResult",
    "Visibility",
]

Kind = Literal["document", "attachment", "casefile"]
SortOrder = Literal["relevance", "date_desc", "date_asc"]

#: the facets every result carries, in display order
FACETS: tuple[str, ...] = ("kind", "form", "org", "year", "status")


@dataclass(frozen=True, slots=True)
class IndexDoc:
    """One searchable record: an issued document, an attachment or a case file.

    ``key`` is stable across re-indexing (``doc:12``, ``att:3``, ``cf:5``); indexing a record with a
    key already present replaces it. Dates are calendar dates; ``amount`` is in yuan.
    """

    key: str
    kind: Kind
    title: str
    text: str
    form: str = ""  # catalogue form id, e.g. penalty_decision_org
    form_name: str = ""  # 文书名称, e.g. 行政处罚决定书（单位）
    number: str = ""  # 文号
    credit_code: str = ""  # 统一社会信用代码 of the party
    case_no: str = ""  # 案号 (the case's 立案 number)
    file_no: str = ""  # 档号
    org_id: int = 0
    org_path: tuple[int, ...] = ()  # the organisation and all its ancestors (for subtree filters)
    org_name: str = ""
    case_id: int = 0
    case_name: str = ""
    party: str = ""
    handlers: tuple[str, ...] = ()  # 执法人员 names
    creator: str = ""  # username of whoever made the record
    issued: dt.date | None = None
    decided: dt.date | None = None  # 决定日期 (penalty decisions)
    filed: dt.date | None = None  # 归档日期
    status: str = ""
    procedure: str = ""  # general | simple
    industry: str = ""
    amount: float | None = None  # 罚款金额 (yuan)

    @property
    def date(self) -> dt.date | None:
        """The date the record sorts by: filed for case files, otherwise issued."""
        return self.filed or self.issued or self.decided


@dataclass(frozen=True, slots=True)
class Visibility:
    """Which records a user may see: any of these grants a hit; ``everything`` grants all.

    The archive layer builds this from the user's role scope (``archive/access.py``); backends
    apply it inside the search, before counting, faceting and paging.
    """

    everything: bool = False
    org_ids: frozenset[int] = frozenset()  # records of these organisations (a subtree, expanded)
    case_ids: frozenset[int] = frozenset()  # records of these cases (the user's case teams)
    creators: frozenset[str] = frozenset()  # records these users made

    @classmethod
    def all(cls) -> Visibility:
        return cls(everything=True)

    def allows(self, doc: IndexDoc) -> bool:
        return (
            self.everything
            or doc.org_id in self.org_ids
            or doc.case_id in self.case_ids
            or bool(doc.creator and doc.creator in self.creators)
        )


@dataclass(frozen=True, slots=True)
class SearchRequest:
    """A query plus structured filters. ``query`` uses the syntax of :mod:`anjuan.indexing.query`."""

    query: str = ""
    visibility: Visibility = field(default_factory=Visibility)
    kinds: tuple[str, ...] = ()
    forms: tuple[str, ...] = ()
    org_subtree: int | None = None  # an organisation and its subordinates
    case_id: int | None = None
    party: str = ""
    handler: str = ""
    statuses: tuple[str, ...] = ()
    procedure: str = ""
    industry: str = ""
    issued_from: dt.date | None = None
    issued_to: dt.date | None = None
    decided_from: dt.date | None = None
    decided_to: dt.date | None = None
    filed_from: dt.date | None = None
    filed_to: dt.date | None = None
    amount_min: float | None = None
    amount_max: float | None = None
    sort: SortOrder = "relevance"
    page: int = 1
    size: int = 10
    snippets: bool = True


@dataclass(frozen=True, slots=True)
class Hit:
    key: str
    score: float
    kind: str
    title: str
    form: str
    form_name: str
    number: str
    org_id: int
    case_id: int
    party: str
    status: str
    date: dt.date | None
    snippet: str = ""  # HTML: text escaped, matches wrapped in <mark>


@dataclass(frozen=True, slots=True)
class SearchResult:
    total: int
    hits: tuple[Hit, ...]
    facets: dict[str, dict[str, int]]
    page: int
    size: int
    took_ms: float
    exact: bool = False  # the query looked like a number and was matched on the number fields


@dataclass(frozen=True, slots=True)
class IndexStats:
    documents: int
    schema_version: int
    location: str


#: progress callback for rebuilds: (done, total)
Progress = Callable[[int, int], None]


@runtime_checkable
class SearchBackend(Protocol):
    """What every search backend provides. Implementations must be safe to search from many
    threads while one writer indexes; writes are serialised by the backend itself."""

    def index(self, docs: Iterable[IndexDoc], *, checkpoint: str | None = None, wait: float | None = None) -> int:
        """Add or replace records (by key); returns how many were written. Durable on return.
        ``checkpoint`` is the caller's marker (e.g. the last archive event indexed), saved with
        the write so that a restart resumes from it. ``wait``: how long to wait for the writer
        lock (default: the backend's timeout) before raising ``IndexLocked``."""
        ...

    def checkpoint(self) -> str | None:
        """The marker saved by the last :meth:`index` or :meth:`rebuild`."""
        ...

    def current(self) -> bool:
        """False when the index was made by another schema version and must be rebuilt."""
        ...

    def delete(self, keys: Sequence[str], *, wait: float | None = None) -> int:
        """Remove records by key; unknown keys are ignored. Returns how many were removed."""
        ...

    def rebuild(
        self,
        docs: Iterable[IndexDoc],
        total: int | None = None,
        progress: Progress | None = None,
        *,
        checkpoint: str | None = None,
    ) -> int:
        """Replace the whole index with ``docs``. Searches keep seeing the old index until the
        new one is complete; a crash part-way leaves the old index intact."""
        ...

    def search(self, request: SearchRequest) -> SearchResult: ...

    def keys(self) -> set[str]:
        """Every key in the index (for consistency checks against the archive)."""
        ...

    def stats(self) -> IndexStats: ...

    def close(self) -> None: ...
