"""全文检索 through the archive: records are findable the moment they are issued or changed, only by
the users who may see them, and the index always catches up with the archive (after a failure, a
schema change or a rebuild)."""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import threading
import time
from collections.abc import Iterable
from typing import Any

import pytest
from anjuan.archive.access import Principal
from anjuan.archive.models import Event
from anjuan.archive.service import Archive
from anjuan.indexing.api import IndexDoc, SearchRequest
from anjuan.indexing.memory import MemoryBackend
from sqlalchemy import select

from tests.fixtures.archive import Bureau, add_user, decision_fields, void_with_approval

pytestmark = [pytest.mark.both_databases, pytest.mark.search_index, pytest.mark.archive_settings(enforce_gates=False)]


def _order(archive: Archive, bureau: Bureau, case_id: int, problem: str, actor: Principal | None = None) -> Any:
    return bureau.issue(
        archive,
        actor=actor or bureau.handler,
        case_id=case_id,
        form_key="rectification_order",
        fields={
            "problems": [problem],
            "rectify_items": "第1项",
            "deadline": "2026-04-30",
            "onsite_person": "王建国",
        },
        doc_date=dt.date(2026, 3, 2),
    )


def _case(archive: Archive, bureau: Bureau, name: str, kind: str = "inspection") -> int:
    return archive.registry.create_case(
        actor=bureau.handler,
        org_id=bureau.org_id,
        kind=kind,
        name=name,
        party_id=bureau.party_id,
        officer_ids=bureau.officer_ids,
    ).id


def _search(archive: Archive, actor: Principal, query: str, **kw: Any) -> Any:
    return archive.search.search(actor=actor, request=SearchRequest(query=query, **kw))


def test_an_issued_document_is_found_at_once_by_text_number_and_party(archive: Archive, bureau: Bureau) -> None:
    case_id = _case(archive, bureau, "有限空间检查")
    doc = _order(archive, bureau, case_id, "污水调节池有限空间作业未进行气体检测")
    # no search has run yet: the background indexer took the record in when it was issued
    assert archive.search.wait_idle(30)
    indexed = archive.search.backend.keys()
    assert doc.number and f"doc:{doc.id}" in indexed
    half_width = doc.number.replace("〔", "[").replace("〕", "]")
    for query in ('"未进行气体检测"', "有限空间 气体检测", doc.number, half_width):
        result = _search(archive, bureau.handler, query)
        assert [h.key for h in result.hits] == [f"doc:{doc.id}"], query
    hit = _search(archive, bureau.handler, "气体检测").hits[0]
    assert hit.number == doc.number and hit.form == "rectification_order"
    assert "<mark>气体检测</mark>" in hit.snippet
    party = archive.registry.party(actor=bureau.handler, key=bureau.party_id).name
    assert _search(archive, bureau.handler, f"party:{party[-6:]}").total == 1
    assert _search(archive, bureau.handler, "form:rectification_order").facets["form"] == {"rectification_order": 1}


def test_nobody_finds_what_they_may_not_see(archive: Archive, bureau: Bureau) -> None:
    admin = bureau.admin
    county_b = archive.registry.create_org(
        actor=admin, name="临汾市洪洞县应急管理局", area="晋洪", code="应急", level="county", parent_id=bureau.city_id
    )
    b_officer = archive.registry.create_officer(actor=admin, org_id=county_b.id, name="周强", cert_no="14102420180009")
    b_handler = add_user(archive, admin, "zhouqiang", officer_id=b_officer.id)
    outsider = add_user(  # same county as the case, not on its team
        archive,
        admin,
        "qianli",
        officer_id=archive.registry.create_officer(
            actor=admin, org_id=bureau.org_id, name="钱力", cert_no="14100220210077"
        ).id,
    )
    city = add_user(
        archive,
        admin,
        "zhenghua",
        officer_id=archive.registry.create_officer(
            actor=admin, org_id=bureau.city_id, name="郑华", cert_no="14100020110001", roles=["supervisor"]
        ).id,
    )
    case_id = _case(archive, bureau, "粉尘涉爆检查")
    doc = _order(archive, bureau, case_id, "除尘系统未按规定设置泄爆装置")
    for actor, expected in ((bureau.handler, 1), (city, 1), (admin, 1), (b_handler, 0), (outsider, 0)):
        result = _search(archive, actor, "泄爆装置")
        assert result.total == expected, actor.name
        assert sum(result.facets["kind"].values()) == expected
        assert _search(archive, actor, doc.number or "").total == expected


def test_corrections_voids_and_deletions_reach_the_index(archive: Archive, bureau: Bureau) -> None:
    case_id = _case(archive, bureau, "危化品检查")
    doc = _order(archive, bureau, case_id, "危险化学品仓库内甲醇与氧化剂混存")
    void_with_approval(archive, bureau, doc.id, "文书内容有误")
    hit = _search(archive, bureau.handler, "甲醇与氧化剂混存").hits[0]
    assert (hit.key, hit.status) == (f"doc:{doc.id}", "voided")
    assert _search(archive, bureau.handler, "甲醇", statuses=("issued",)).total == 0


def test_an_index_that_missed_changes_catches_up_before_the_next_search(archive: Archive, bureau: Bureau) -> None:
    case_id = _case(archive, bureau, "液氨检查")
    backend = archive.search.backend
    holder = open(backend.root / "write.lock", "a+")  # noqa: SIM115 — another process is writing
    fcntl.flock(holder.fileno(), fcntl.LOCK_EX)
    try:
        doc = _order(archive, bureau, case_id, "液氨制冷车间未设置氨气泄漏报警装置")  # issuing still succeeds
        indexed = backend.keys()
        assert f"doc:{doc.id}" not in indexed
        # a search while another writer (say, a rebuild) holds the lock answers from the index as it
        # is instead of waiting out the writer's 30-second lock timeout
        started = time.monotonic()
        assert _search(archive, bureau.handler, "氨气泄漏报警").total == 0
        assert time.monotonic() - started < 10
    finally:
        holder.close()
    assert [h.key for h in _search(archive, bureau.handler, "氨气泄漏报警").hits] == [f"doc:{doc.id}"]
    status = archive.search.status(actor=bureau.admin)
    assert status.missing_count == 0 and status.checkpoint == status.last_event


class _SlowIndex(MemoryBackend):
    """An index whose writes last until the test lets them finish (``release``, at most 10 s);
    it notes when a write started and finished, and in which thread."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.started = threading.Event()
        self.finished = threading.Event()
        self.threads: set[threading.Thread] = set()

    def index(self, docs: Iterable[IndexDoc], *, checkpoint: str | None = None, wait: float | None = None) -> int:
        self.threads.add(threading.current_thread())
        self.started.set()
        self.release.wait(10)
        written = super().index(docs, checkpoint=checkpoint, wait=wait)
        self.finished.set()
        return written


def test_a_change_does_not_wait_for_the_index(archive: Archive, bureau: Bureau) -> None:
    """Issuing returns while the index is still busy writing (had the request indexed the changes
    itself, it would have sat out that write); the document is findable once the indexer is done."""
    slow = _SlowIndex()
    # The same archive with the slow index: another Archive on the same database and data.
    with Archive(
        archive.kernel.settings, converter=archive.kernel.converter, db=archive.kernel.db, search_backend=slow
    ) as beside:
        try:
            case_id = _case(beside, bureau, "液氨制冷检查")
            doc = _order(beside, bureau, case_id, "氨制冷机房未设置事故排风装置")
            assert slow.started.wait(10)  # the first change woke the indexer; its write is held up …
            assert not slow.finished.is_set()  # … and the issue returned all the same
            assert threading.current_thread() not in slow.threads
        finally:
            slow.release.set()
        assert beside.search.wait_idle(30)
        assert [h.key for h in _search(beside, bureau.handler, "事故排风装置").hits] == [f"doc:{doc.id}"]


def test_a_schema_change_rebuilds_instead_of_failing(archive: Archive, bureau: Bureau) -> None:
    case_id = _case(archive, bureau, "动火作业检查")
    doc = _order(archive, bureau, case_id, "动火作业未办理审批手续")
    assert archive.search.wait_idle(30)  # the indexer is done writing before the index is tampered with
    gen = archive.search.backend.root / (archive.search.backend.root / "CURRENT").read_text()
    meta = json.loads((gen / "meta.json").read_text())
    (gen / "meta.json").write_text(json.dumps({**meta, "schema_version": -1}))
    assert [h.key for h in _search(archive, bureau.handler, "动火作业").hits] == [f"doc:{doc.id}"]
    assert archive.search.backend.current()
    with archive.kernel.db.read() as s:
        actions = s.scalars(select(Event.action).where(Event.entity == "archive")).all()
    assert "index_rebuilt" in actions


def test_rebuild_from_the_archive_matches_it(archive: Archive, bureau: Bureau) -> None:
    case_id = _case(archive, bureau, "处罚案件", kind="penalty")
    decision = bureau.issue(
        archive,
        actor=bureau.handler,
        case_id=case_id,
        form_key="penalty_decision_org",
        fields=decision_fields(),
        doc_date=dt.date(2026, 3, 6),
    )
    from tests.archive.test_documents import FIELDS

    bureau.issue(  # a decision-stage document that is not a decision: it has no 决定日期
        archive,
        actor=bureau.handler,
        case_id=case_id,
        form_key="case_handling_approval",
        fields=FIELDS["case_handling_approval"],
        doc_date=dt.date(2026, 3, 5),
    )
    assert [h.key for h in _search(archive, bureau.handler, "decided:2026").hits] == [f"doc:{decision.id}"]
    steps: list[tuple[int, int]] = []
    written = archive.search.rebuild(actor=bureau.admin, progress=lambda done, total: steps.append((done, total)))
    assert written >= 1 and steps[-1] == (written, written)
    status = archive.search.status(actor=bureau.admin)
    assert status.missing_count == status.stale_count == 0
    hits = _search(archive, bureau.handler, "", forms=("penalty_decision_org",), amount_min=1.0).hits
    assert [h.key for h in hits] == [f"doc:{decision.id}"]
    with pytest.raises(Exception) as info:  # only administrators rebuild
        archive.search.rebuild(actor=bureau.handler)
    assert getattr(info.value, "code", "") == "not_permitted"
