"""The facts of a case (案件事实) as the procedure rules read them: its documents as stored, plain data.

One model for every rule of the procedure package: the gates (:mod:`.gates`, may a document be
issued now?) and the deadlines (:mod:`.deadlines`, which time limits run?) read the same
:class:`CaseFacts` and :class:`DocFacts`, so they cannot disagree about what a case holds. The
facts are frozen dataclasses, not ORM rows: the rules stay pure (no database, no session), and
tests describe a case in a few lines. :mod:`.stored` builds them from the database.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["CaseFacts", "DocFacts", "PartyKind", "replay"]

PartyKind = Literal["organisation", "person"]  # 单位（法人或者其他组织） / 个人（公民）


# kw_only: the two models this one replaces ordered their fields differently; naming every field
# keeps a status from landing in the number's place.
@dataclass(frozen=True, kw_only=True)
class DocFacts:
    """One document of the case (文书), as stored. Field values are JSON-like: dates ISO, money strings."""

    id: int  # the document's id in the archive
    form_id: str  # catalogue id (文书种类)
    # draft 草稿 | issued 已签发 | voided 已作废 | superseded 已更正 …: the rules count issued ones only
    status: str
    doc_date: dt.date | None = None  # 文书日期; an issued document always has one
    fields: Mapping[str, Any] = field(default_factory=dict)  # 文书内容 by field id
    parent_id: int | None = None  # the document it cites (引用), e.g. 复查意见书 → 责令限期整改指令书
    # 文号, e.g. （晋临）应急罚告〔2026〕1号 — matched against 送达回执 rows. None when the document has
    # none (笔录, an unnumbered draft): a blank one is stored as None, so "no number" has one spelling.
    number: str | None = None

    def __post_init__(self) -> None:
        if self.number is not None and not self.number.strip():
            object.__setattr__(self, "number", None)  # frozen: the one sanctioned way to normalise

    @property
    def number_text(self) -> str:
        """The 文号 for display, "" when there is none (never the text "None")."""
        return self.number or ""

    @property
    def ref(self) -> str:
        """How events and messages name the document: its 文号, else its id."""
        return self.number or str(self.id)


@dataclass(frozen=True, kw_only=True)
class CaseFacts:
    """The case (案件) as the procedure rules need it."""

    procedure: str  # general (一般程序) | simple (简易程序)
    kind: str  # inspection (检查) | penalty (行政处罚)
    major: bool = False  # 重大案件 (marked on the case)
    party_kind: PartyKind = "organisation"  # 当事人: 单位 or 个人
    documents: tuple[DocFacts, ...] = ()  # every document the caller counts, in id order
    province: str | None = None  # 省级简称 (晋 …) for per-province 听证 thresholds; None = default

    def with_document(self, doc: DocFacts) -> CaseFacts:
        """The same case with one more document (handy when replaying a case step by step)."""
        return dataclasses.replace(self, documents=(*self.documents, doc))


def replay(case: CaseFacts, *, undated_on: dt.date) -> Iterator[tuple[DocFacts, dt.date, CaseFacts]]:
    """Each document of ``case`` in date order, with the day it is judged on and the case as it stood then.

    The case "then" holds every other document dated on or before that day (the same day included:
    documents of one day were issued in some order the dates do not tell). An undated document comes
    last, is judged on ``undated_on`` and never counts for the others — it cannot be placed in time.
    This is how a case back-filled or imported without the gates is judged by them afterwards.
    """
    ordered = sorted(case.documents, key=lambda d: (d.doc_date or dt.date.max, d.id))
    for doc in ordered:
        on = doc.doc_date or undated_on
        earlier = tuple(d for d in ordered if d.id != doc.id and (d.doc_date or dt.date.max) <= on)
        yield doc, on, dataclasses.replace(case, documents=earlier)
