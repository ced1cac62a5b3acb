"""操作日志 as its readers see it: filters, scope (a county never sees another's events), names and
labels in Chinese, and the chain's status — checked incrementally, bounded, and naming a break."""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import pytest
from anjuan.archive.access import Principal
from anjuan.archive.documents.changes import load_change_rules
from anjuan.archive.errors import Forbidden, NotFound, ValidationFailed
from anjuan.archive.oplog import EventFilter, OpLogService, action_labels, entity_labels
from anjuan.archive.service import Archive

from tests.fixtures.archive import Bureau, add_user

ROOT = Path(__file__).resolve().parents[2]


def _recorded_actions() -> set[str]:
    """Every action the code can record: the string literals of each ``action=`` argument, and the
    names the code builds (approvals' decisions, change requests' kinds × outcomes)."""
    found: set[str] = set()
    for package in ("archive", "api"):
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            constants = {
                t.id: n.value.value
                for n in ast.walk(tree)
                if isinstance(n, ast.Assign) and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)
                for t in n.targets
                if isinstance(t, ast.Name)
            }
            for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
                for kw in call.keywords:
                    if kw.arg != "action":
                        continue
                    todo = [kw.value]  # a literal, a constant's name, or a choice of them (a if … else b)
                    while todo:
                        node = todo.pop()
                        if isinstance(node, ast.Constant) and isinstance(node.value, str):
                            found.add(node.value)
                        elif isinstance(node, ast.Name) and node.id in constants:
                            found.add(constants[node.id])
                        elif isinstance(node, ast.IfExp):
                            todo += [node.body, node.orelse]
    found |= {"approved", "rejected"}  # approvals.decide records its decision
    for kind in load_change_rules().kinds:  # changes.py: f"{kind}_requested", f"{kind}_{decision}"
        found |= {f"{kind}_requested", f"{kind}_approved", f"{kind}_rejected"}
    return found


def test_every_recorded_action_and_entity_has_a_chinese_label() -> None:
    actions = _recorded_actions()
    assert {"closed", "filed", "issued", "user_deactivated", "review_assessed", "void_requested"} <= actions
    missing = sorted(actions - set(action_labels()))
    assert not missing, f"labels.yaml lacks: {missing}"
    assert all(label and not label.isascii() for label in action_labels().values())
    assert {"case", "document", "user", "organisation", "officer", "party"} <= set(entity_labels())


@dataclasses.dataclass(frozen=True)
class World:
    archive: Archive
    bureau: Bureau
    case_id: int
    other_case_id: int
    other_admin: Principal


def build_world(archive: Archive, bureau: Bureau) -> World:
    """The test bureau with a case of its own, and a second county with its own case and administrator."""
    admin = bureau.admin
    case = archive.registry.create_case(
        actor=bureau.handler,
        org_id=bureau.org_id,
        kind="inspection",
        party_id=bureau.party_id,
        officer_ids=bureau.officer_ids,
    )
    other = archive.registry.create_org(
        actor=admin, name="临汾市曲沃县应急管理局", area="晋临", code="应急", level="county", parent_id=bureau.city_id
    )
    officers = [
        archive.registry.create_officer(actor=admin, org_id=other.id, name=name, cert_no=cert)
        for name, cert in (("李娜", "14102120190001"), ("王强", "14102120190002"))
    ]
    other_handler = add_user(archive, admin, "quwo-li", officer_id=officers[0].id)
    other_admin = add_user(archive, admin, "quwo-admin", org_id=other.id, roles=["admin"])
    other_case = archive.registry.create_case(
        actor=other_handler,
        org_id=other.id,
        kind="inspection",
        party_id=bureau.party_id,
        officer_ids=[o.id for o in officers],
    )
    return World(archive, bureau, case.id, other_case.id, other_admin)


@pytest.fixture
def world(archive: Archive, bureau: Bureau) -> World:
    return build_world(archive, bureau)


def test_a_county_sees_its_own_events_never_anothers(world: World) -> None:
    archive, bureau = world.archive, world.bureau
    county_admin = bureau.people["bureau_admin"]
    mine = archive.oplog.events(actor=county_admin, filters=EventFilter(limit=200)).rows
    assert any(r.entity == "case" and r.entity_id == world.case_id for r in mine)
    assert not any(r.case_id == world.other_case_id for r in mine)
    assert not any(r.actor in {"quwo-li", "quwo-admin"} for r in mine)
    # the case-creation row reads as people do: the officer's name, the action in Chinese, the case
    created = next(r for r in mine if r.entity == "case" and r.entity_id == world.case_id and r.action == "created")
    assert (created.person, created.action_zh, created.entity_zh) == ("张伟", "新建", "案件")
    assert created.case_id == world.case_id and created.object_zh
    # the other county's administrator sees theirs and not ours; our case does not exist for them
    theirs = archive.oplog.events(actor=world.other_admin, filters=EventFilter(limit=200)).rows
    assert any(r.case_id == world.other_case_id for r in theirs)
    assert not any(r.case_id == world.case_id for r in theirs)
    with pytest.raises(NotFound):
        archive.oplog.events(actor=world.other_admin, filters=EventFilter(case_id=world.case_id))
    # events that belong to no organisation (the installation's keys) are the platform's alone
    everything = archive.oplog.events(actor=bureau.admin, filters=EventFilter(limit=200)).rows
    unowned = {r.id for r in everything if r.entity == "pki" or r.actor == "install"}
    assert unowned and not unowned & {r.id for r in mine}
    # a handler may not read the log at all
    with pytest.raises(Forbidden):
        archive.oplog.events(actor=bureau.handler)


def test_filters_by_person_action_case_and_period_and_pages(world: World) -> None:
    archive, bureau = world.archive, world.bureau
    supervisor = bureau.people["赵敏"]
    by_case = archive.oplog.events(actor=supervisor, filters=EventFilter(case_id=world.case_id)).rows
    assert by_case and all(r.case_id == world.case_id for r in by_case)
    by_name = archive.oplog.events(actor=supervisor, filters=EventFilter(actor="张伟")).rows
    by_login = archive.oplog.events(actor=supervisor, filters=EventFilter(actor=bureau.handler.name)).rows
    assert by_name == by_login and by_name and all(r.person == "张伟" for r in by_name)
    created = archive.oplog.events(actor=supervisor, filters=EventFilter(action="created", entity="case")).rows
    assert [r.entity_id for r in created] == [world.case_id]
    today = archive.kernel.clock.today()
    assert archive.oplog.events(actor=supervisor, filters=EventFilter(since=today, until=today)).rows
    tomorrow = today + dt.timedelta(days=1)
    assert not archive.oplog.events(actor=supervisor, filters=EventFilter(since=tomorrow)).rows
    with pytest.raises(ValidationFailed) as bad:
        archive.oplog.events(actor=supervisor, filters=EventFilter(since=tomorrow, until=today))
    assert bad.value.code == "bad_period"
    # keyset pages: newest first, no entry twice, none left out
    seen, after = [], None
    while True:
        page = archive.oplog.events(actor=supervisor, filters=EventFilter(limit=3, after=after))
        seen += [r.id for r in page.rows]
        if page.next_after is None:
            break
        after = page.next_after
    whole = archive.oplog.events(actor=supervisor, filters=EventFilter(limit=200)).rows
    assert seen == [r.id for r in whole] == sorted(seen, reverse=True)
    maximum = archive.kernel.settings.oplog_page_max
    with pytest.raises(ValidationFailed) as big:
        archive.oplog.events(actor=supervisor, filters=EventFilter(limit=maximum + 1))
    assert big.value.code == "limit_out_of_range" and big.value.details["fields"][0]["limit"] == maximum


def _drop_guards(archive: Archive) -> None:
    db = archive.kernel.db
    with db.engine.begin() as conn:
        if db.is_sqlite:
            conn.exec_driver_sql("DROP TRIGGER events_no_update")
        else:
            conn.exec_driver_sql("ALTER TABLE events DISABLE TRIGGER events_append_only")


def test_chain_status_is_checked_in_bounded_steps_and_names_a_break(world: World) -> None:
    archive, bureau = world.archive, world.bureau
    # a service that checks at most 5 new entries per look: it gets there, 5 at a time
    kernel = SimpleNamespace(
        settings=archive.kernel.settings.model_copy(update={"oplog_verify_batch": 5}),
        db=archive.kernel.db,
        rules=archive.kernel.rules,
    )
    small = OpLogService(kernel)  # type: ignore[arg-type]
    first = small.chain_status(actor=bureau.admin)
    assert first.ok and not first.complete and first.checked_seq == 5
    looks = 1
    while not (status := small.chain_status(actor=bureau.admin)).complete:
        looks += 1
        assert status.checked_seq == 5 * looks
    assert status.ok and "审计链完整" in status.text_zh
    total = status.checked_seq
    assert archive.oplog.chain_status(actor=bureau.admin).checked_seq == total
    # someone with database rights edits entry 3: the status names it
    _drop_guards(archive)
    with archive.kernel.db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE events SET actor = 'intruder' WHERE seq = 3")
    # the next look finds it, although entry 3 had been found sound before (older entries are swept again)
    broken = archive.oplog.chain_status(actor=bureau.admin)
    assert not broken.ok and broken.broken_seq == 3 and "第3条" in broken.text_zh
    with pytest.raises(Forbidden):
        archive.oplog.chain_status(actor=bureau.handler)
