"""The kernel: rules read once and shared by every service, and one clock for "today"."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from anjuan.archive.clock import CHINA, FixedClock
from anjuan.archive.errors import Forbidden
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
    case = archive.registry.create_case(
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


def test_roles_approvals_and_changes_are_read_from_the_settings(
    archive: Archive, bureau: Bureau, tmp_path: Path
) -> None:
    """A deployment overrides roles.yaml, approvals.yaml and changes.yaml the way it overrides every
    other rule file: the archive built on those settings checks rights and names steps by them."""
    import yaml
    from anjuan.archive import access, approvals, changes

    roles = access.load_roles().model_dump()
    roles["roles"]["handler"]["can"] = ["request_change", "assemble"]  # handlers no longer draft
    steps = approvals.load_approval_rules().model_dump()
    steps["steps"]["review"]["name"] = "初审"
    kinds = changes.load_change_rules().model_dump()
    kinds["kinds"]["void"]["name"] = "撤销"
    paths = {}
    for name, data in (("roles", roles), ("approvals", steps), ("changes", kinds)):
        paths[f"{name}_path"] = tmp_path / f"{name}.yaml"
        paths[f"{name}_path"].write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    settings = archive.settings.model_copy(update=paths)
    with Archive(settings, converter=archive.converter, db=archive.db) as local:
        handler = local.accounts.principal(bureau.handler.name)
        assert not handler.can("draft") and archive.accounts.principal(bureau.handler.name).can("draft")
        assert local.step_name("review") == "初审" and archive.step_name("review") == "审核"
        assert local.kernel.rules.changes.kinds["void"].name == "撤销"
        with pytest.raises(Forbidden) as refused:  # the rights of the overriding roles file
            local.registry.create_case(
                actor=handler,
                org_id=bureau.org_id,
                kind="inspection",
                procedure="general",
                party_id=bureau.party_id,
                officer_ids=bureau.officer_ids,
            )
        assert refused.value.code == "not_permitted"
