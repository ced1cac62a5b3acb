"""anjuan org, officer, party, case, number and due: the registry and 程序时限."""

from __future__ import annotations

from typing import Annotated

import typer
from anjuan.archive.procedure import Deadline

from anjuan import display

from ..labels import status_zh
from ..schemas import case_read
from .common import JsonOpt, _acting, _archive, _out, _Run, app, case_app, number_app, officer_app, org_app, party_app
from .documents import _parse_date

# -- registry -----------------------------------------------------------------------------------


@org_app.command("add")
def org_add(
    ctx: typer.Context,
    name: str,
    area: Annotated[str, typer.Option(help="行政区划简称, e.g. 晋临")],
    code: Annotated[str, typer.Option(help="机关代字, e.g. 应急")] = "应急",
    level: Annotated[str, typer.Option(help="province/city/county")] = "county",
    parent: Annotated[int | None, typer.Option()] = None,
    review_body: Annotated[str, typer.Option(help="行政复议机关")] = "",
    court: Annotated[str, typer.Option(help="管辖法院")] = "",
    address: str = "",
    phone: str = "",
    as_json: JsonOpt = False,
) -> None:
    """登记机关 — add an organisation."""
    with _Run(as_json), _archive() as archive:
        org = archive.registry.create_org(
            actor=_acting(ctx, archive),
            name=name,
            area=area,
            code=code,
            level=level,
            parent_id=parent,
            review_body=review_body,
            court=court,
            address=address,
            phone=phone,
        )
        _out({"id": org.id, "name": org.name}, as_json, f"机关 organisation {org.id}: {org.name}")


@officer_app.command("add")
def officer_add(
    ctx: typer.Context,
    org: int,
    name: str,
    cert_no: str,
    role: Annotated[
        list[str] | None, typer.Option("--role", help="handler/supervisor/legal/deputy/head … (repeat)")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """登记执法人员 — add an officer with their 执法证号 and roles."""
    with _Run(as_json), _archive() as archive:
        officer = archive.registry.create_officer(
            actor=_acting(ctx, archive), org_id=org, name=name, cert_no=cert_no, roles=role
        )
        _out(
            {"id": officer.id, "name": officer.name, "cert_no": officer.cert_no},
            as_json,
            f"执法人员 officer {officer.id}: {officer.name} {officer.cert_no}",
        )


@party_app.command("add")
def party_add(
    ctx: typer.Context,
    name: str,
    credit_code: Annotated[str | None, typer.Option(help="统一社会信用代码")] = None,
    kind: Annotated[str, typer.Option(help="organisation or person")] = "organisation",
    address: str = "",
    legal_rep: str = "",
    phone: str = "",
    as_json: JsonOpt = False,
) -> None:
    """登记当事人 — add a party (enterprise or person)."""
    with _Run(as_json), _archive() as archive:
        party = archive.registry.create_party(
            actor=_acting(ctx, archive),
            kind=kind,
            name=name,
            credit_code=credit_code,
            address=address,
            legal_rep=legal_rep,
            phone=phone,
        )
        _out(
            {"id": party.id, "name": party.name, "credit_code": party.credit_code},
            as_json,
            f"当事人 party {party.id}: {party.name}",
        )


@case_app.command("new")
def case_new(
    ctx: typer.Context,
    org: Annotated[int, typer.Option(help="organisation id")],
    party: Annotated[str, typer.Option(help="party id, credit code or name")],
    kind: Annotated[str, typer.Option(help="inspection (检查) or penalty (处罚)")] = "penalty",
    procedure: Annotated[str, typer.Option(help="general (一般) or simple (简易)")] = "general",
    name: Annotated[str | None, typer.Option(help="案件名称")] = None,
    cause: Annotated[str, typer.Option(help="案由")] = "",
    officer: Annotated[list[int] | None, typer.Option("--officer", help="officer id (repeat)")] = None,
    major: Annotated[bool, typer.Option("--major", help="重大案件")] = False,
    major_reason: Annotated[str, typer.Option("--major-reason", help="认定为重大案件的理由")] = "",
    as_json: JsonOpt = False,
) -> None:
    """新建案件 — open a case (inspection chain or penalty case)."""
    with _Run(as_json), _archive() as archive:
        party_id = archive.registry.party(actor=_acting(ctx, archive), key=party).id
        case = archive.registry.create_case(
            actor=_acting(ctx, archive),
            org_id=org,
            kind=kind,
            party_id=party_id,
            procedure=procedure,
            name=name,
            cause=cause,
            officer_ids=officer or [],
            major=major,
            major_reason=major_reason,
        )
        _out(case_read(case).model_dump(mode="json"), as_json, f"案件 case {case.id}: {case.name}")


@case_app.command("major")
def case_major(
    ctx: typer.Context,
    case: int,
    reason: Annotated[str, typer.Option("--reason", help="认定（或撤销认定）的理由")],
    clear: Annotated[bool, typer.Option("--clear", help="撤销重大案件认定")] = False,
    as_json: JsonOpt = False,
) -> None:
    """重大案件认定 — mark an open case 重大 (集体讨论 and 法制审核 before its decision), with the reason."""
    with _Run(as_json), _archive() as archive:
        done = archive.registry.set_major(actor=_acting(ctx, archive), case_id=case, major=not clear, reason=reason)
        text = f"案件 case {done.id}: {'重大案件' if done.major else '非重大案件'}（{reason}）"
        _out(case_read(done).model_dump(mode="json"), as_json, text)


def _deadline_line(d: Deadline) -> str:
    due = display.day(d.due) or "—"
    left = "" if d.days_left is None else f" ({d.days_left:+d}天)"
    flag = " *估算" if d.provisional else ""
    return f"{due:<11} {status_zh(d.status):<6}{left:<9} {d.name}  [{d.basis}]{flag}"


@case_app.command("deadlines")
def case_deadlines(
    ctx: typer.Context,
    case: int,
    today: Annotated[str | None, typer.Option(help="compute as of YYYY-MM-DD (default: today)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """程序时限 — the case's legal deadlines, computed from its documents."""
    with _Run(as_json), _archive() as archive:
        rows = archive.procedure.deadlines(actor=_acting(ctx, archive), case_id=case, today=_parse_date(today))
        _out(rows, as_json, "\n".join(_deadline_line(d) for d in rows))


@app.command()
def due(
    ctx: typer.Context,
    days: Annotated[int, typer.Option("--days", help="look-ahead in days")] = 7,
    org: Annotated[int | None, typer.Option("--org")] = None,
    today: Annotated[str | None, typer.Option(help="as of YYYY-MM-DD")] = None,
    as_json: JsonOpt = False,
) -> None:
    """到期提醒 — what falls due within N days or is overdue, across open cases."""
    with _Run(as_json), _archive() as archive:
        rows = archive.procedure.due(actor=_acting(ctx, archive), days=days, org_id=org, today=_parse_date(today))
        _out(rows, as_json, "\n".join(f"case {r.case_id:<4} {_deadline_line(r.deadline)}" for r in rows) or "无 none")


@number_app.command("start")
def number_start(
    ctx: typer.Context,
    org: int,
    counter: str,
    start: int,
    year: Annotated[int | None, typer.Option(help="default: this year")] = None,
    as_json: JsonOpt = False,
) -> None:
    """设置文书编号起始值 — set a counter's starting value (only forward)."""
    with _Run(as_json), _archive() as archive:
        y = year or archive.kernel.clock.today().year
        archive.registry.set_counter_start(
            actor=_acting(ctx, archive), org_id=org, year=y, counter=counter, start=start
        )
        _out(
            {"org": org, "year": y, "counter": counter, "start": start},
            as_json,
            f"计数器 counter {counter} {y}: next = {start}",
        )
