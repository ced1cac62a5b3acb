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
    assert archive.documents.rules is rules and archive.approvals.rules is rules and archive.changes.rules is rules
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
    assert now.count == 0
    later = FixedClock(dt.datetime(2027, 6, 1, 9, 0, tzinfo=CHINA))
    with Archive(
        archive.kernel.settings, converter=archive.kernel.converter, db=archive.kernel.db, clock=later
    ) as then:
        assert then.kernel.clock.today() == dt.date(2027, 6, 1)
        found = then.qc.run(actor=bureau.admin, name="case_open_too_long")
        assert found.today == dt.date(2027, 6, 1)
        assert [f.case_id for f in found.findings] == [case.id]
        assert then.procedure.deadlines(actor=bureau.handler, case_id=case.id) == archive.procedure.deadlines(
            actor=bureau.handler, case_id=case.id, today=dt.date(2027, 6, 1)
        )


def test_roles_approvals_and_changes_are_read_from_the_settings(
    archive: Archive, bureau: Bureau, tmp_path: Path
) -> None:
    """A deployment overrides roles.yaml, approvals.yaml and changes.yaml the way it overrides every
    other rule file: the archive built on those settings checks rights and names steps by them."""
    import yaml
    from anjuan.archive import access
    from anjuan.archive.documents import approvals, changes

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
    settings = archive.kernel.settings.model_copy(update=paths)
    with Archive(settings, converter=archive.kernel.converter, db=archive.kernel.db) as local:
        handler = local.accounts.principal(bureau.handler.name)
        assert not handler.can("draft") and archive.accounts.principal(bureau.handler.name).can("draft")
        assert local.approvals.step_name("review") == "初审" and archive.approvals.step_name("review") == "审核"
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


def test_a_deployment_renames_an_archive_check_and_cannot_drop_one(archive: Archive, tmp_path: Path) -> None:
    """四性检测 items are data like every other rule file: a bureau may name an item its own way (the
    package report shows that name), but an item the checks decide cannot be left out of the file."""
    import yaml
    from anjuan.archive.errors import ArchiveError
    from anjuan.archive.packaging.checks import load_checks

    items = [item.model_dump() for item in load_checks()]
    next(i for i in items if i["code"] == "YJ-4-4")["name"] = "信息包结构安全检测（本局）"
    renamed = tmp_path / "checks.yaml"
    renamed.write_text(yaml.safe_dump({"version": 1, "items": items}, allow_unicode=True), "utf-8")
    settings = archive.kernel.settings.model_copy(update={"archive_checks_path": renamed})
    with Archive(settings, converter=archive.kernel.converter, db=archive.kernel.db) as local:
        (tmp_path / "bag").mkdir()  # an empty directory: a bag that fails, item by item
        report = local.packaging.verify(tmp_path / "bag")
        assert next(i for i in report.items if i.code == "YJ-4-4").name == "信息包结构安全检测（本局）"
        assert archive.kernel.rules.archive_checks[0].name == load_checks()[0].name  # the packaged file stays

    dropped = tmp_path / "dropped.yaml"
    kept = [i for i in items if i["code"] != "YJ-2-1"]
    dropped.write_text(yaml.safe_dump({"version": 1, "items": kept}, allow_unicode=True), "utf-8")
    settings = archive.kernel.settings.model_copy(update={"archive_checks_path": dropped})
    with Archive(settings, converter=archive.kernel.converter, db=archive.kernel.db) as local:
        with pytest.raises(ArchiveError) as refused:
            local.check_rules()
        assert refused.value.code == "checks_file_invalid" and refused.value.details["missing"] == ["YJ-2-1"]
