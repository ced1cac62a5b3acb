"""The demo (``anjuan demo --out DIR``): a sample bureau runs an inspection chain and a full
general-procedure penalty case on a fresh data directory.

The scenario is data (``demo_scenario.yaml``); this module only plays it. Output layout — a
contract other tools rely on:

    DIR/documents/NN-<form id>.pdf   every issued document, in issue order
    DIR/summary.json                 each document's type, name, number, date, file, pages, digest, signers
    DIR/pki/root.pem                 the (development) root certificate that checks every seal
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

from .config import Settings
from .errors import ArchiveError
from .service import Archive

__all__ = ["load_scenario", "run_demo"]


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
    data_dir = out / "data"
    if settings is None:
        if data_dir.exists():
            shutil.rmtree(data_dir)
        settings = Settings(data_dir=data_dir, database_url=None)
        if settings.pki_passphrase is None:
            settings = settings.model_copy(update={"pki_passphrase": SecretStr(_demo_passphrase(data_dir))})
    scenario = load_scenario()
    started = time.perf_counter()
    own = archive is None
    archive = archive or Archive(settings)
    try:
        archive.migrate()
        progress("启动 LibreOffice 转换池 starting the warm LibreOffice pool …")
        archive.converter  # noqa: B018  (start it once, before the first document)
        summary = _play(archive, scenario, docs_dir, progress)
        pki_dir = out / "pki"
        pki_dir.mkdir(exist_ok=True)
        (pki_dir / "root.pem").write_bytes(archive.sealing.root_certificate_pem())
        summary["pki"] = {"root_certificate": "pki/root.pem", "level": archive.settings.pades_level}
        progress(f"根证书 root certificate → {pki_dir / 'root.pem'} (import it to check the seals)")
    finally:
        if own:
            archive.close()
    summary["elapsed_seconds"] = round(time.perf_counter() - started, 2)
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), "utf-8")
    progress(f"summary → {out / 'summary.json'}")
    return summary


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
    submitter: int,
    approvers: dict[str, tuple[int, str]],
) -> Any:
    """Issue as people do: a form with approval steps is drafted, submitted by its handler and
    approved step by step (``approvers``: step → (officer id, opinion)) before it is issued."""
    form = archive.form(request["form_key"])
    if not form.approval:
        return archive.issue_new(**request)
    actor = request["actor"]
    draft = archive.create_draft(**request)
    archive.submit(actor=actor, doc_id=draft.id, officer_id=submitter)
    for step in form.approval:
        officer_id, opinion = approvers[step.value]
        archive.decide(actor=actor, doc_id=draft.id, officer_id=officer_id, opinion=opinion, approve=True)
    return archive.issue(actor=actor, doc_id=draft.id)


def _attempt_refused(
    archive: Archive, request: dict[str, Any], case_id: int, progress: Callable[[str], None]
) -> dict[str, Any]:
    """An out-of-order step the scenario expects the procedure gates to refuse."""
    form = archive.form(request["form_key"])
    try:
        archive.issue_new(**request)
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


def _play(
    archive: Archive, scenario: dict[str, Any], docs_dir: Path, progress: Callable[[str], None]
) -> dict[str, Any]:
    actor = scenario.get("actor", "demo")
    parent_org = archive.create_org(actor=actor, **scenario["parent_organisation"])
    org = archive.create_org(actor=actor, parent_id=parent_org.id, **scenario["organisation"])
    progress(f"机关 organisation: {org.name}")
    officers = [archive.create_officer(actor=actor, org_id=org.id, **o) for o in scenario["officers"]]
    progress(f"执法人员 officers: {', '.join(f'{o.name}({o.cert_no})' for o in officers)}")
    # Who takes each approval step, by role (the scenario's officers carry the roles).
    by_role = {role: o for o in officers for role in o.roles}
    approvers = {step: by_role[role].id for step, role in scenario["approvers"].items()}
    default_opinions = scenario["default_opinions"]
    party = archive.create_party(actor=actor, **scenario["party"])
    progress(f"当事人 party: {party.name} {party.credit_code}")
    keys = archive.pki_init(actor=actor)["keys"]
    progress(f"电子印章 keys: {len(keys)} (机关印章, 行政执法专用章, 执法人员) in {archive.settings.key_dir}")

    issued: list[dict[str, Any]] = []
    cases: list[dict[str, Any]] = []
    refused: list[dict[str, Any]] = []
    all_deadlines: list[dict[str, Any]] = []
    for case_spec in scenario["cases"]:
        case = archive.create_case(
            actor=actor,
            org_id=org.id,
            kind=case_spec["kind"],
            procedure=case_spec.get("procedure", "general"),
            party_id=party.id,
            name=case_spec.get("name"),
            cause=case_spec.get("cause", ""),
            officer_ids=[o.id for o in officers if "handler" in o.roles][:2],
        )
        progress(f"案件 case {case.id}: {case.name}")
        refs: dict[str, int] = {}
        for step in case_spec["documents"]:
            t0 = time.perf_counter()
            request = {
                "actor": actor,
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
                submitter=officers[0].id,
                approvers={k: (approvers[k], opinions[k]) for k in approvers},
            )
            refs[step.get("ref", step["form"])] = doc.id
            form = archive.form(doc.form_id)
            name = f"{len(issued) + 1:02d}-{form.id}.pdf"
            (docs_dir / name).write_bytes(archive.file(doc.id, "pdf"))
            issued.append(
                {
                    "id": doc.id,
                    "case_id": case.id,
                    "type": form.id,
                    "name": form.name,
                    "number": doc.number,
                    "date": doc.doc_date.isoformat() if doc.doc_date else None,
                    "file": f"documents/{name}",
                    "pages": doc.pages,
                    "sha256": doc.pdf_sha256,
                    "seal": form.seal.value,
                    "signers": doc.signatures,
                }
            )
            ms = (time.perf_counter() - t0) * 1000
            progress(f"  [{len(issued):02d}] {form.name:<16} {doc.number or '(无文号)':<28} {doc.pages}页 {ms:.0f} ms")
        deadlines = archive.deadlines(case.id)
        cases.append(
            {"id": case.id, "kind": case.kind, "procedure": case.procedure, "name": case.name, "deadlines": deadlines}
        )
        all_deadlines.extend({"case_id": case.id, **d} for d in deadlines)
        for d in deadlines:
            if d["due"]:
                progress(f"  时限 {d['due']} {d['status']:<8} {d['name']}")
    return {
        "anjuan_version": __version__,
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "organisation": {"id": org.id, "name": org.name, "area": org.area, "code": org.code},
        "party": {"id": party.id, "name": party.name, "credit_code": party.credit_code},
        "cases": cases,
        "documents": issued,
        "refused": refused,
        "deadlines": all_deadlines,
    }
