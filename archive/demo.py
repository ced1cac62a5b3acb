"""The demo (``anjuan demo --out DIR``): a sample bureau runs an inspection chain and a full
general-procedure penalty case on a fresh data directory.

The scenario is data (``demo_scenario.yaml``); this module only plays it. Output layout — a
contract other tools rely on:

    DIR/documents/NN-<form id>.pdf   every issued document, in issue order
    DIR/summary.json                 each document's type, name, number, date, file, pages, digest, signers
    DIR/pki/root.pem                 the (development) root certificate that checks every seal
    DIR/casefile.pdf                 the penalty case's 卷宗: cover, 卷内目录, paginated documents, 备考表
    DIR/review.json                  its 案卷评查: score, rating, each finding with document and page
    DIR/package/                     its archival information package (BagIt, metadata XML, history)
    DIR/guidance.pdf                 the city's 安全生产执法指导意见书 from the review (numbered, sealed)
    DIR/logins.txt                   演示账号: every demo user's login name, name, role and organisation,
                                     and the one demo password (:data:`DEMO_PASSWORD`)
    DIR/data/                        the demo's archive: ``anjuan serve --data DIR/data`` (``make serve``)
    summary.json also lists "refused" (out-of-order attempts the procedure gates refused) and
    "deadlines" (each case's legal deadlines as computed today)
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import shutil
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import SecretStr

from anjuan import __version__

from .access import Principal
from .clock import today as documents_today
from .config import Settings
from .errors import ArchiveError
from .service import Archive

__all__ = ["DEMO_PASSWORD", "load_scenario", "run_demo"]

#: The one password of every account the demo makes, so that a newcomer can log in to the demo's
#: world (DIR/logins.txt lists the accounts). A demo credential, published here on purpose: it is
#: used by this module only, never by an installation (``anjuan init`` and ``anjuan user add`` take
#: the passwords their administrator chooses).
DEMO_PASSWORD = "anjuan-demo"


def load_scenario() -> dict[str, Any]:
    text = (resources.files("anjuan.archive") / "demo_scenario.yaml").read_text("utf-8")
    return yaml.safe_load(text)  # type: ignore[no-any-return]


def run_demo(
    out: Path,
    *,
    progress: Callable[[str], None] = print,
    settings: Settings | None = None,
    archive: Archive | None = None,
) -> dict[str, Any]:
    out = Path(out)
    docs_dir = out / "documents"
    if docs_dir.exists():
        shutil.rmtree(docs_dir)  # our own previous output: the layout must list this run only
    docs_dir.mkdir(parents=True)
    own = archive is None
    if archive is None:  # a given archive keeps its data, wherever it is
        if settings is None:
            data_dir = out / "data"
            if data_dir.exists():
                shutil.rmtree(data_dir)
            settings = Settings(data_dir=data_dir, database_url=None)
            if settings.pki_passphrase is None:
                settings = settings.model_copy(update={"pki_passphrase": SecretStr(_demo_passphrase(data_dir))})
        archive = Archive(settings)
    scenario = load_scenario()
    started = time.perf_counter()
    try:
        archive.migrate()
        progress("启动 LibreOffice 转换池 starting the warm LibreOffice pool …")
        archive.kernel.converter  # noqa: B018  (start it once, before the first document)
        summary = _play(archive, scenario, docs_dir, progress)
        pki_dir = out / "pki"
        pki_dir.mkdir(exist_ok=True)
        (pki_dir / "root.pem").write_bytes(archive.kernel.sealing.root_certificate_pem())
        summary["pki"] = {"root_certificate": "pki/root.pem", "level": archive.kernel.settings.pades_level}
        progress(f"根证书 root certificate → {pki_dir / 'root.pem'} (import it to check the seals)")
    finally:
        if own:
            archive.close()
    summary["elapsed_seconds"] = round(time.perf_counter() - started, 2)
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), "utf-8")
    progress(f"summary → {out / 'summary.json'}")
    return summary


def open_hint(out: Path, data_dir: Path) -> list[str]:
    """How to open the demo's world once it is made: the lines ``anjuan demo`` ends with."""
    default = Path("demo-out")
    make = "make serve" if out == default else f"make serve DEMO_OUT={out}"
    lines = ["打开演示 open the demo:"]
    if data_dir == out / "data":
        lines.append(f"  {make}")
    lines += [
        f"  或 or  anjuan serve --data {data_dir}",
        "  浏览器 then browse to  http://127.0.0.1:8000/web/",
        f"  演示账号 demo logins: {out / 'logins.txt'} — 例如 e.g. zhangwei（张伟，执法人员）/ {DEMO_PASSWORD}",
    ]
    return lines


def demo_key_passphrase(data_dir: Path) -> SecretStr | None:
    """The key passphrase a demo keeps beside its data (``pki-passphrase``, see :func:`_demo_passphrase`),
    for serving the demo's world; None for a data directory a demo did not make."""
    path = Path(data_dir) / "pki-passphrase"
    if not path.is_file():
        return None
    return SecretStr(path.read_text("ascii").strip())


def _demo_passphrase(data_dir: Path) -> str:
    """A random passphrase for the demo's own key store, kept beside it (0600) — never in the repo.
    A real installation sets ANJUAN_PKI_PASSPHRASE."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "pki-passphrase"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(24), "ascii")
        path.chmod(0o600)
    return path.read_text("ascii").strip()


def issue_with_approval(
    archive: Archive,
    request: dict[str, Any],
    *,
    submitter: Principal,
    approvers: dict[str, tuple[Principal, str]],
) -> Any:
    """Issue as people do: a form with approval steps is drafted and submitted by its handler
    (``submitter``) and approved step by step (``approvers``: step → (user, opinion)) before it is
    issued; other forms are issued at once by the drafter (``request["actor"]``)."""
    form = archive.kernel.rules.form(request["form_key"])
    if not form.approval:
        return archive.documents.issue_new(**request)
    draft = archive.documents.create_draft(**request)
    archive.approvals.submit(actor=submitter, doc_id=draft.id)
    for step in form.approval:
        approver, opinion = approvers[step.value]
        archive.approvals.decide(actor=approver, doc_id=draft.id, opinion=opinion, approve=True)
    return archive.documents.issue(actor=submitter, doc_id=draft.id)


def _attempt_refused(
    archive: Archive, request: dict[str, Any], case_id: int, progress: Callable[[str], None]
) -> dict[str, Any]:
    """An out-of-order step the scenario expects the procedure gates to refuse."""
    form = archive.kernel.rules.form(request["form_key"])
    try:
        archive.documents.issue_new(**request)
    except ArchiveError as exc:
        progress(f"  [拒绝 refused] {form.name}: {exc.message_zh}")
        return {
            "case_id": case_id,
            "type": form.id,
            "name": form.name,
            "code": exc.code,
            "message_zh": exc.message_zh,
            "message_en": exc.message_en,
            "findings": exc.details.get("findings", []),
        }
    raise ArchiveError(
        f"演示步骤《{form.name}》本应被拒绝却签发了",
        f"demo step {form.id} should have been refused",
        code="demo_inconsistent",
    )


def _summary_entry(archive: Archive, doc: Any, case_id: int, name: str) -> dict[str, Any]:
    form = archive.kernel.rules.form(doc.form_id)
    return {
        "id": doc.id,
        "case_id": case_id,
        "type": form.id,
        "name": form.name,
        "number": doc.number,
        "date": doc.doc_date.isoformat() if doc.doc_date else None,
        "file": f"documents/{name}",
        "pages": doc.pages,
        "sha256": doc.pdf_sha256,
        "seal": form.seal.value,
        "signers": [dict(s) for s in doc.signatures],
        "officers": [o.name for o in doc.officers],  # 执法人员 (the statistics count them per inspection)
        "edition": doc.edition,
        "issued_by": doc.issued_by,
    }


def _login(archive: Archive, username: str) -> Principal:
    return archive.accounts.login(username=username, password=DEMO_PASSWORD).principal


def _users(
    archive: Archive,
    scenario: dict[str, Any],
    admin: Principal,
    org: Any,
    parent: Any,
    officers: list[Any],
) -> tuple[dict[str, Principal], list[dict[str, str]]]:
    """Accounts for the bureau's administrator, its archivist, the city's reviewer and every officer,
    each logged in with the demo password; and the lines of DIR/logins.txt (who is who)."""
    people: dict[str, Principal] = {"admin": admin}
    logins = [_login_line(archive, scenario["admin"], admin, "平台")]
    for key, default_role, where in (
        ("bureau_admin", "admin", org),
        ("archivist", "archivist", org),
        ("reviewer", "reviewer", parent),
    ):
        spec = scenario[key]
        archive.accounts.create_user(
            actor=admin,
            username=spec["username"],
            password=DEMO_PASSWORD,
            org_id=where.id,
            roles=spec.get("roles", [default_role]),
        )
        people[key] = _login(archive, spec["username"])
        logins.append(_login_line(archive, spec, people[key], where.name))
    for officer, officer_spec in zip(officers, scenario["officers"], strict=True):
        archive.accounts.create_user(
            actor=admin, username=officer_spec["username"], password=DEMO_PASSWORD, officer_id=officer.id
        )
        people[officer.name] = _login(archive, officer_spec["username"])
        logins.append(_login_line(archive, officer_spec, people[officer.name], org.name))
    return people, logins


def _login_line(archive: Archive, spec: dict[str, Any], user: Principal, organisation: str) -> dict[str, str]:
    names = archive.kernel.rules.roles.roles
    roles = "、".join(names[r].name if r in names else r for r in sorted(user.roles))
    return {"username": user.name, "name": spec.get("name", ""), "roles": roles, "organisation": organisation}


def _write_logins(path: Path, logins: list[dict[str, str]]) -> None:
    """DIR/logins.txt: the demo's accounts, marked as demo credentials (a plain table to read)."""
    width = max(len(line["username"]) for line in logins)
    # Names and roles are Chinese (one character two columns): padded with ideographic spaces.
    names = max(len(line["name"] or "—") for line in logins)
    roles = max(len(line["roles"]) for line in logins)
    lines = [
        "演示账号 — 仅用于演示数据 / demo credentials only (anjuan demo)",
        "这些账号只存在于本演示的数据目录（data/）中，请勿在正式系统中使用。",
        "They exist only in this demo's data directory (data/); never use them for a real installation.",
        "",
        f"密码 password（所有演示账号相同 the same for every demo account）: {DEMO_PASSWORD}",
        "",
        "打开演示 open the demo:  "
        + ("make serve   或 or   " if path.parent == Path("demo-out") else "")
        + f"anjuan serve --data {path.parent / 'data'}",
        "然后在浏览器中访问 then browse to  http://127.0.0.1:8000/web/",
        "",
        f"{'用户名 login':<{width}}  姓名 name  角色 role  机关 organisation",
    ]
    for line in logins:
        name, role = line["name"] or "—", line["roles"]
        lines.append(
            f"{line['username']:<{width}}  {name}{'　' * (names - len(name))}  {role}{'　' * (roles - len(role))}"
            f"  {line['organisation']}"
        )
    path.write_text("\n".join(lines) + "\n", "utf-8")


def _play(
    archive: Archive, scenario: dict[str, Any], docs_dir: Path, progress: Callable[[str], None]
) -> dict[str, Any]:
    archive.accounts.bootstrap_admin(username=scenario["admin"]["username"], password=DEMO_PASSWORD)
    admin = _login(archive, scenario["admin"]["username"])
    progress(f"系统管理员 administrator: {admin.name} (logged in)")
    parent_org = archive.registry.create_org(actor=admin, **scenario["parent_organisation"])
    org = archive.registry.create_org(actor=admin, parent_id=parent_org.id, **scenario["organisation"])
    progress(f"机关 organisation: {org.name}")
    officers = [
        archive.registry.create_officer(actor=admin, org_id=org.id, **{k: v for k, v in o.items() if k != "username"})
        for o in scenario["officers"]
    ]
    progress(f"执法人员 officers: {', '.join(f'{o.name}({o.cert_no})' for o in officers)}")
    people, logins = _users(archive, scenario, admin, org, parent_org, officers)
    _write_logins(docs_dir.parent / "logins.txt", logins)
    for key in ("bureau_admin", "archivist", "reviewer"):  # staff without an officer: their 姓名
        if scenario[key].get("name") and people[key].user_id is not None:
            archive.accounts.set_display_name(
                actor=admin, user_id=people[key].user_id, display_name=scenario[key]["name"]
            )
    progress(f"用户 users: {', '.join(p.name for p in people.values())} — each logged in with a token")
    progress(f"演示账号 demo logins → {docs_dir.parent / 'logins.txt'} (演示密码 demo password: {DEMO_PASSWORD})")
    # Who takes each approval step, by role (the scenario's officers carry the roles).
    by_role = {role: people[o.name] for o in officers for role in o.roles}
    approvers = {step: by_role[role] for step, role in scenario["approvers"].items()}
    default_opinions = scenario["default_opinions"]
    handlers = [o for o in officers if "handler" in o.roles][:2]
    handler = people[handlers[0].name]
    party = archive.registry.create_party(actor=handler, **scenario["party"])
    progress(f"当事人 party: {party.name} {party.credit_code}")
    keys = archive.keys.pki_init(actor=admin).keys
    progress(f"电子印章 keys: {len(keys)} (机关印章, 行政执法专用章, 执法人员) in {archive.kernel.settings.key_dir}")

    issued: list[dict[str, Any]] = []
    cases: list[dict[str, Any]] = []
    refused: list[dict[str, Any]] = []
    all_deadlines: list[dict[str, Any]] = []
    refs_by_case: list[dict[str, int]] = []
    for case_spec in scenario["cases"]:
        case = archive.registry.create_case(
            actor=handler,
            org_id=org.id,
            kind=case_spec["kind"],
            procedure=case_spec.get("procedure", "general"),
            party_id=party.id,
            name=case_spec.get("name"),
            cause=case_spec.get("cause", ""),
            officer_ids=[o.id for o in handlers],
        )
        progress(f"案件 case {case.id}: {case.name}")
        refs: dict[str, int] = {}
        refs_by_case.append(refs)
        for step in case_spec["documents"]:
            t0 = time.perf_counter()
            request = {
                "actor": handler,
                "case_id": case.id,
                "form_key": step["form"],
                "fields": step.get("fields", {}),
                "parent_id": refs.get(step["parent"]) if step.get("parent") else None,
                "doc_date": dt.date.fromisoformat(str(step["date"])) if step.get("date") else None,
            }
            if step.get("expect_refused"):
                refused.append(_attempt_refused(archive, request, case.id, progress))
                continue
            opinions = {**default_opinions, **step.get("approvals", {})}
            doc = issue_with_approval(
                archive,
                request,
                submitter=handler,
                approvers={k: (approvers[k], opinions[k]) for k in approvers},
            )
            refs[step.get("ref", step["form"])] = doc.id
            name = f"{len(issued) + 1:02d}-{doc.form_id}.pdf"
            (docs_dir / name).write_bytes(archive.documents.file(actor=handler, doc_id=doc.id, kind="pdf"))
            issued.append(_summary_entry(archive, doc, case.id, name))
            ms = (time.perf_counter() - t0) * 1000
            form_name = issued[-1]["name"]
            progress(f"  [{len(issued):02d}] {form_name:<16} {doc.number or '(无文号)':<28} {doc.pages}页 {ms:.0f} ms")
        deadlines = [d.to_dict() for d in archive.procedure.deadlines(actor=handler, case_id=case.id)]
        cases.append(
            {"id": case.id, "kind": case.kind, "procedure": case.procedure, "name": case.name, "deadlines": deadlines}
        )
        all_deadlines.extend({"case_id": case.id, **d} for d in deadlines)
        for d in deadlines:
            if d["due"]:
                progress(f"  时限 {d['due']} {d['status']:<8} {d['name']}")

    changes = []
    for spec in scenario.get("corrections", []):
        case_id = cases[spec["case"]]["id"]
        doc_id = refs_by_case[spec["case"]][spec.get("ref", spec["form"])]
        change = _correct(archive, people, approvers, handler, doc_id, spec, progress)
        new = archive.documents.get(actor=handler, doc_id=change["result_document_id"])
        name = f"{len(issued) + 1:02d}-{new.form_id}.pdf"
        (docs_dir / name).write_bytes(archive.documents.file(actor=handler, doc_id=new.id, kind="pdf"))
        for entry in issued:
            if entry["id"] == doc_id:
                entry["superseded_by"] = new.id
        issued.append({**_summary_entry(archive, new, case_id, name), "supersedes": doc_id})
        changes.append(change)
        progress(f"  [{len(issued):02d}] 更正 {issued[-1]['name']} 第{new.edition}版 {new.number}")
    # 公示 before filing: the publication is part of the case
    publication = _publish(archive, handler, issued, scenario.get("publication"), progress)
    casefile = _casefile(archive, scenario, people, [c["id"] for c in cases], docs_dir.parent, progress)
    if casefile is not None:
        # 案卷评查 by the city's reviewer: DIR/review.json
        report = archive.reviews.review(actor=people["reviewer"], case_id=casefile["case_id"])
        progress(f"案卷评查 机器初评 preliminary: {report.score}分 {report.rating}")
        # 人工评查: the items a machine cannot judge, scored by the reviewer with reasons (scenario data)
        for given in scenario.get("review_assessments", []):
            report = archive.reviews.assess(
                actor=people["reviewer"],
                case_id=casefile["case_id"],
                item_id=given["item"],
                points=given["points"],
                reason=given["reason"],
            )
        review = report.to_json()  # the API's JSON of it too (api/schemas.py review_json)
        (docs_dir.parent / "review.json").write_text(json.dumps(review, ensure_ascii=False, indent=2), "utf-8")
        progress(f"案卷评查 review: {report.score}分 {report.rating} ({len(report.findings)} findings)")
        for finding in report.findings:
            page = f" 第{finding.page}页" if finding.page else ""
            progress(f"  - [{finding.item} −{finding.deduct:g}] {finding.message_zh}{page}")
        # … and the city issues its 安全生产执法指导意见书 from the review (numbered, sealed).
        opinion = archive.reviews.guidance(
            actor=people["reviewer"],
            case_id=casefile["case_id"],
            reply_by=documents_today() + dt.timedelta(days=30),
            contact=scenario["reviewer"].get("name", ""),
            phone=scenario["reviewer"].get("phone", ""),
        )
        (docs_dir.parent / "guidance.pdf").write_bytes(archive.kernel.blobs.get(opinion.pdf_sha256))
        progress(f"指导意见书 guidance opinion {opinion.number} → {docs_dir.parent / 'guidance.pdf'}")
        review["guidance"] = {"file": "guidance.pdf", "number": opinion.number, "sha256": opinion.pdf_sha256}
        (docs_dir.parent / "review.json").write_text(json.dumps(review, ensure_ascii=False, indent=2), "utf-8")
        casefile["review"] = {"file": "review.json", "score": report.score, "rating": report.rating}
    search, quality = _search_and_quality(archive, people["reviewer"], issued, scenario.get("searches", []), progress)
    statistics = _statistics(archive, people["reviewer"], issued, docs_dir.parent, progress)
    return {
        "anjuan_version": __version__,
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "organisation": {"id": org.id, "name": org.name, "area": org.area, "code": org.code},
        "party": {"id": party.id, "name": party.name, "credit_code": party.credit_code},
        "users": [
            {"username": p.name, "org_id": p.org_id, "officer_id": p.officer_id, "roles": sorted(p.roles)}
            for p in people.values()
        ],
        "cases": cases,
        "documents": issued,
        "refused": refused,
        "deadlines": all_deadlines,
        "changes": changes,
        "casefile": casefile,
        "publication": publication,
        "search": search,
        "quality": quality,
        "statistics": statistics,
    }


def _statistics(
    archive: Archive, reviewer: Principal, issued: list[dict[str, Any]], out: Path, progress: Callable[[str], None]
) -> dict[str, Any]:
    """执法统计 as the city's reviewer files it: the 许昌 table over the scenario's months (DIR/statistics.xlsx)
    and the period's 公示 notices (DIR/notices.csv); the 合计 row goes into summary.json."""
    from .qc.notice import notices_csv
    from .stats.xlsx import to_xlsx

    dates = sorted(dt.date.fromisoformat(str(d["date"])) for d in issued if d.get("date"))
    start, end = dates[0].replace(day=1), dates[-1]
    table = archive.stats.table(actor=reviewer, start=start, end=end)
    (out / "statistics.xlsx").write_bytes(to_xlsx(table))
    rows = archive.qc.notices(actor=reviewer, start=start, end=end)
    (out / "notices.csv").write_text(notices_csv(rows), "utf-8")
    total = {c.id: _plain(table.total.cells[c.id]) for c in table.columns}
    progress(f"执法统计 {table.title}: " + ", ".join(f"{c.label} {total[c.id]}" for c in table.columns[:4]))
    return {
        "title": table.title,
        "file": "statistics.xlsx",
        "rows": [r.label for r in table.rows],
        "total": total,
        "notices": {"file": "notices.csv", "count": len(rows)},
    }


def _plain(value: Any) -> Any:
    from decimal import Decimal

    return float(value) if isinstance(value, Decimal) else value


def _publish(
    archive: Archive,
    handler: Principal,
    issued: list[dict[str, Any]],
    spec: dict[str, Any] | None,
    progress: Callable[[str], None],
) -> dict[str, Any] | None:
    """公示 of the scenario's decision, ``days_after`` its date (never later than today)."""
    decision = next((d for d in issued if spec and d.get("type") == spec["form"] and d.get("date")), None)
    if decision is None or spec is None:
        return None
    on = min(dt.date.fromisoformat(decision["date"]) + dt.timedelta(days=spec["days_after"]), documents_today())
    publication = archive.qc.publish(
        actor=handler, document_id=decision["id"], published_on=on, channel=spec["channel"], url=spec["url"]
    )
    progress(f"公示 published {decision['number']} on {on}")
    return {"document_id": publication.document_id, "number": decision["number"], "published_on": on.isoformat()}


def _search_and_quality(
    archive: Archive,
    reviewer: Principal,
    issued: list[dict[str, Any]],
    searches: list[dict[str, Any]],
    progress: Callable[[str], None],
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """全文检索 and 质量检查 as the city's reviewer sees them: the scenario's searches (a document's
    文号 typed with half-width brackets, or a query as written), then every saved quality query."""
    from anjuan.indexing.api import SearchRequest

    queries = []
    for spec in searches:
        if "number_of" in spec:
            doc = next((d for d in issued if d.get("type") == spec["number_of"] and d.get("number")), None)
            if doc is not None:
                queries.append(doc["number"].replace("〔", "[").replace("〕", "]"))
        else:
            queries.append(spec["query"])
    results = []
    for q in queries:
        found = archive.search.search(actor=reviewer, request=SearchRequest(query=q, size=3, snippets=False))
        top = [{"key": h.key, "title": h.title, "number": h.number} for h in found.hits]
        results.append({"query": q, "total": found.total, "exact": found.exact, "took_ms": found.took_ms, "top": top})
        progress(f"检索 search {q}: {found.total} hits ({found.took_ms:.0f} ms)")
    quality = {q.name: archive.qc.run(actor=reviewer, name=q.name).count for q in archive.qc.queries()}
    progress("质量检查 quality queries: " + ", ".join(f"{k} {v}" for k, v in quality.items()))
    return results, quality


def _demo_photo(index: int) -> bytes:
    """A stand-in for a site photo (the demo ships no real pictures): a drawn scene, JPEG."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1600, 1200), (186, 206, 224))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 700, 1600, 1200), fill=(120, 120, 116))
    draw.rectangle((250 + 200 * index, 420, 1150 + 100 * index, 860), fill=(96, 110, 90), outline=(40, 40, 40), width=8)
    draw.ellipse((600, 520, 900, 640), fill=(30, 36, 40))
    draw.line((0, 700, 1600, 700), fill=(60, 60, 60), width=6)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def _casefile(
    archive: Archive,
    scenario: dict[str, Any],
    people: dict[str, Principal],
    case_ids: list[int],
    out: Path,
    progress: Callable[[str], None],
) -> dict[str, Any] | None:
    """Evidence photos, 结案, then 归档 by the archivist: the filed volume is DIR/casefile.pdf."""
    spec = scenario.get("casefile")
    if not spec:
        return None
    handler = people[scenario["officers"][0]["name"]]
    case_id = case_ids[spec["case"]]
    for index, item in enumerate(spec.get("attachments", [])):
        archive.casefiles.add_attachment(
            actor=handler,
            case_id=case_id,
            kind=item["kind"],
            title=item["title"],
            data=_demo_photo(index),
            filename=f"photo-{index + 1}.jpg",
            date=dt.date.fromisoformat(str(item["date"])) if item.get("date") else None,
            responsible=item.get("responsible", ""),
        )
    for other in case_ids:
        archive.casefiles.close(actor=handler, case_id=other)
    t0 = time.perf_counter()
    case = archive.casefiles.file(actor=people["archivist"], case_id=case_id, checker=spec.get("checker", ""))
    row = archive.casefiles.latest(actor=people["archivist"], case_id=case_id)
    (out / "casefile.pdf").write_bytes(archive.kernel.blobs.get(row.sha256))
    ms = (time.perf_counter() - t0) * 1000
    progress(f"结案归档 filed: 归档号 {case.archive_no} 档号 {case.file_no} 保管期限 {case.retention}")
    progress(f"卷宗 case file: {row.pages}页, {len(row.entries)}件 → {out / 'casefile.pdf'} ({ms:.0f} ms)")
    # A filed case is frozen: any later change is refused (409) and logged.
    try:
        archive.casefiles.add_attachment(
            actor=handler, case_id=case_id, kind="other", title="补充材料", data=_demo_photo(9)
        )
    except ArchiveError as exc:
        progress(f"  [拒绝 refused] 归档后补充材料: {exc.message_zh}")
        frozen = {"code": exc.code, "message_zh": exc.message_zh, "message_en": exc.message_en}
    else:  # pragma: no cover - refuse_if_filed forbids it
        raise ArchiveError("归档后仍可修改", "a filed case accepted a change", code="demo_inconsistent")
    # 归档信息包: the filed case as a BagIt bag, then checked the way a receiving archive checks it.
    package_dir = out / "package"
    if package_dir.exists():
        shutil.rmtree(package_dir)
    package = archive.packaging.export(actor=people["archivist"], case_id=case_id, out_dir=package_dir)
    fourness = archive.packaging.verify(package_dir)
    progress(
        f"归档信息包 package → {package_dir} ({package.payload_oxum}); 四性检测 "
        + ("通过 passed" if fourness.ok else "未通过 FAILED")
    )
    return {
        "file": "casefile.pdf",
        "package": {
            "dir": "package",
            "file_no": package.file_no,
            "payload_oxum": package.payload_oxum,
            "fourness_ok": fourness.ok,
            "fourness": {i.code: i.result for i in fourness.items},
        },
        "archive_no": case.archive_no,
        "file_no": case.file_no,
        "retention": case.retention,
        "refused_after_filing": frozen,
        "case_id": case_id,
        "version": row.version,
        "sha256": row.sha256,
        "pages": row.pages,
        "content_pages": row.content_pages,
        "entries": row.entries,
    }


def _correct(
    archive: Archive,
    people: dict[str, Principal],
    approvers: dict[str, Principal],
    handler: Principal,
    doc_id: int,
    spec: dict[str, Any],
    progress: Callable[[str], None],
) -> dict[str, Any]:
    """更改执法记录 as 第七条 says: apply, 审核 (法制审核), 审批 (分管负责人), then the administrator."""
    request = archive.changes.request_change(
        actor=handler, doc_id=doc_id, kind="correct", reason=spec["reason"], changes=spec["changes"]
    )
    progress(f"  更改申请 change request {request.id} by {handler.name}: {spec['reason']}")
    # Nothing changes before approval: the administrator's attempt is refused and recorded.
    try:
        archive.changes.apply_change(actor=people["bureau_admin"], request_id=request.id)
    except ArchiveError as exc:
        early = {"code": exc.code, "message_zh": exc.message_zh, "message_en": exc.message_en}
        progress(f"  [拒绝 refused] 未经批准执行更改: {exc.message_zh}")
    else:  # pragma: no cover - the rules in changes.yaml forbid it
        raise ArchiveError("未经批准的更改被执行了", "an unapproved change was applied", code="demo_inconsistent")
    deciders = {"review": approvers.get("review"), "approve": approvers.get("approve")}
    for step in request.steps:
        decider = deciders[step]
        assert decider is not None
        archive.changes.decide_change(
            actor=decider, request_id=request.id, approve=True, opinion=spec.get("opinions", {}).get(step, "同意。")
        )
    archive.changes.apply_change(actor=people["bureau_admin"], request_id=request.id)
    done = archive.changes.change_request(actor=handler, request_id=request.id)
    return {**done.model_dump(mode="json"), "refused_before_approval": early}
