"""The kernel: rules read once and shared by every service, and one clock for "today"."""

from __future__ import annotations

import datetime as dt

from anjuan.archive.clock import CHINA, FixedClock
from anjuan.archive.service import Archive

from tests.fixtures.archive import Bureau


def test_every_service_reads_the_kernels_rules(archive: Archive) -> None:
    rules = archive.kernel.rules
    assert archive.gates is rules.gates and archive.deadline_rules is rules.deadlines
    assert archive.casefiles.order is rules.casefile_order
    assert archive.reviews.rules is rules.review_items
    assert archive.qc.rules is rules.qc_queries and archive.stats.specs is rules.stats_tables
    rules.check()  # every file of the packaged rules loads


def test_today_is_the_kernels_clock(archive: Archive, bureau: Bureau) -> None:
    """A case opened now is not "open too long" today, and is so half a year later — by the clock
    the archive was given, with no date passed by the caller."""
    case = archive.create_case(
        actor=bureau.handler,
        org_id=bureau.org_id,
        kind="inspection",
        procedure="general",
        party_id=bureau.party_id,
        officer_ids=bureau.officer_ids,
    )
    now = archive.qc.run(actor=bureau.admin, name="case_open_too_long")
    assert now["count"] == 0
    later = FixedClock(dt.datetime(2027, 6, 1, 9, 0, tzinfo=CHINA))
    with Archive(archive.settings, converter=archive.converter, db=archive.db, clock=later) as then:
        assert then.kernel.clock.today() == dt.date(2027, 6, 1)
        found = then.qc.run(actor=bureau.admin, name="case_open_too_long")
        assert found["today"] == dt.date(2027, 6, 1)
        assert [f["case_id"] for f in found["findings"]] == [case.id]
        assert then.deadlines(actor=bureau.handler, case_id=case.id) == archive.deadlines(
            actor=bureau.handler, case_id=case.id, today=dt.date(2027, 6, 1)
        )
