"""The demo is the product's shop window: its output layout is a contract (DIR/documents/*.pdf and
DIR/summary.json), checked here with poppler the way an outside tool would."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from anjuan.archive.demo import DEMO_PASSWORD, open_hint, run_demo
from anjuan.templates.convert import Converter
from anjuan.templates.volume import check_volume

from tests.fixtures.archive import make_archive, pdf_text
from tests.fixtures.cli import ANJUAN, run_anjuan
from tests.fixtures.db import make_database
from tests.fixtures.pdfsig import PdfSig, make_nss_db


def test_demo_writes_every_document_and_a_summary(converter_pool: Converter, tmp_path: Path) -> None:
    """The whole demo (`anjuan demo`'s contract): slow on purpose (≈ 15 s), since it issues, renders
    with the real LibreOffice, seals, files, exports and reviews everything the shop window shows.
    Its archive is DIR/data, as `anjuan demo` makes it (the database file in it)."""
    out = tmp_path / "out"
    messages: list[str] = []
    (out / "data").mkdir(parents=True)
    for database in make_database("sqlite", out / "data"):
        for archive in make_archive(database, converter_pool, out):
            summary = run_demo(out, progress=messages.append, archive=archive)
    on_disk = json.loads((out / "summary.json").read_text("utf-8"))
    assert on_disk["documents"] == summary["documents"]
    docs = on_disk["documents"]
    forms = [d["type"] for d in docs]
    # the inspection chain and the full general-procedure penalty case
    for form in (
        "inspection_plan",
        "inspection_record",
        "onsite_measures_decision",
        "rectification_order",
        "reinspection_opinion",
        "case_filing_approval",
        "inquiry_notice",
        "inquiry_record",
        "survey_record",
        "investigation_report",
        "penalty_notice",
        "statement_defence_record",
        "hearing_notice",
        "case_handling_approval",
        "penalty_decision_org",
        "service_receipt",
        "case_closing_approval",
    ):
        assert form in forms, form
    assert sorted(p.name for p in (out / "documents").glob("*.pdf")) == sorted(Path(d["file"]).name for d in docs)
    # Numbers never repeat, except that a corrected edition (更正) keeps the number of the one it replaces.
    numbers = [d["number"] for d in docs if d["number"] and "superseded_by" not in d]
    assert len(numbers) == len(set(numbers))
    by_type = {d["type"]: d for d in docs}
    assert by_type["penalty_decision_org"]["number"] == "（晋临）应急罚〔2026〕1号"
    assert by_type["reinspection_opinion"]["number"] == "（晋临）应急复查〔2026〕1号"
    assert by_type["inquiry_record"]["number"] is None
    for doc in docs:
        pdf = (out / doc["file"]).read_bytes()
        info = subprocess.run(["pdfinfo", str(out / doc["file"])], capture_output=True, text=True, check=True).stdout
        assert "595.3" in info or "595.276" in info or "A4" in info, info  # A4 width in points
        assert f"Pages:{doc['pages']}" in "".join(info.split())
        if doc["number"]:
            assert doc["number"] in pdf_text(pdf, tmp_path), doc["file"]
    assert any("罚" in m for m in messages)  # progress was reported

    # Every PDF is sealed, and poppler's pdfsig trusts it with nothing but the demo's root certificate.
    root = out / "pki" / "root.pem"
    assert on_disk["pki"]["root_certificate"] == "pki/root.pem" and root.read_bytes().startswith(b"-----BEGIN")
    check = PdfSig(make_nss_db(tmp_path / "nss", root.read_bytes()), shutil.which("pdfsig") or "pdfsig")
    for doc in docs:
        assert doc["signers"] and doc["signers"][-1]["role"] in ("organ", "enforcement"), doc["file"]
        entries = check(out / doc["file"])
        assert len(entries) == len(doc["signers"]), doc["file"]
        assert all(e.signature_valid and e.certificate_trusted for e in entries), doc["file"]
        assert entries[-1].total_document_signed, doc["file"]
    # The deliberate out-of-order attempt is refused, and the refusal names what was missing.
    (refused,) = on_disk["refused"]
    assert refused["type"] == "penalty_decision_org" and refused["code"] == "gate_refused"
    assert any("case_handling_approval" in f["missing"] for f in refused["findings"])
    # Deadlines are computed from the documents (their due dates do not depend on the day the test runs).
    inspection, penalty = (c["id"] for c in on_disk["cases"])
    due = {d["rule_id"]: d for d in on_disk["deadlines"] if d["case_id"] == penalty}
    assert due["publication"]["due"] == "2026-11-17"  # 7 working days after the decision of 11-06
    assert due["fine_payment"]["status"] == "met"
    chain = {d["rule_id"]: d for d in on_disk["deadlines"] if d["case_id"] == inspection}
    assert chain["reinspection"]["status"] == "met"
    decision = next(d for d in docs if d["type"] == "penalty_decision_org")
    assert [s["seal"] for s in decision["signers"]] == ["机关印章"]

    # The run acts as real users: the handler drafts and submits, others approve, never the submitter.
    users = {u["username"]: u for u in on_disk["users"]}
    assert {"admin", "liming", "zhangwei", "zhaomin", "sunjianjun"} <= set(users)
    assert all(d["issued_by"] == "zhangwei" for d in docs if "supersedes" not in d)
    # The 第七条 correction: refused before approval, then reviewed, approved and applied by the bureau's admin.
    (change,) = on_disk["changes"]
    assert change["refused_before_approval"]["code"] == "not_approved"
    assert change["status"] == "applied" and [d["step"] for d in change["decisions"]] == ["review", "approve"]
    assert {d["user"] for d in change["decisions"]} == {"zhaomin", "sunjianjun"}
    old = next(d for d in docs if d["id"] == change["document_id"])
    new = next(d for d in docs if d.get("supersedes") == old["id"])
    assert old["superseded_by"] == new["id"] and new["edition"] == 2 and new["number"] == old["number"]
    assert new["issued_by"] == "liming" and new["sha256"] != old["sha256"]
    assert "11时45分" in pdf_text((out / new["file"]).read_bytes(), tmp_path)
    assert "11时30分" in pdf_text((out / old["file"]).read_bytes(), tmp_path)  # the old edition's bytes are kept

    # The penalty case is closed, filed and assembled: DIR/casefile.pdf, checked like any volume.
    casefile = on_disk["casefile"]
    assert casefile["file"] == "casefile.pdf" and casefile["archive_no"].startswith("2026")
    assert casefile["refused_after_filing"]["code"] == "case_filed"
    volume = (out / "casefile.pdf").read_bytes()
    check = check_volume(volume)
    assert check.ok, check.findings
    assert len(check.toc) == len(casefile["entries"]) and check.toc[0].title.startswith("行政处罚决定书")
    (sealed,) = check_sigs = PdfSig(make_nss_db(tmp_path / "nss2", root.read_bytes()), "pdfsig")(out / "casefile.pdf")
    assert sealed.signature_valid and sealed.certificate_trusted and check_sigs
    # … and reviewed by the city's 评查人员: DIR/review.json.
    review = json.loads((out / "review.json").read_text("utf-8"))
    assert review["reviewed_by"] == "zhoujing" and 0 <= review["score"] <= 100
    assert review["rating"] in ("优秀", "良好", "合格", "不合格") and review["veto"] == []
    # The reviewer scored the manual items (scenario review_assessments): the rating is final.
    assert review["final"] and review["pending_items"] == [] and review["closed"]
    assert {i["id"]: i["given"] for i in review["items"] if i["manual"]} == {
        "facts_clear": 10,
        "evidence_sufficient": 9,
        "law_applied": 15,
        "discretion_reasonable": 8,
    }
    assert {f["item"] for f in review["findings"]} <= {"deadlines"}, review["findings"]
    # … and exported: DIR/package/ is a valid bag that passes its 四性检测.
    import bagit

    bagit.Bag(str(out / "package")).validate()
    assert casefile["package"]["fourness_ok"] and casefile["package"]["fourness"]["YJ-1-14"] == "pass"
    assert (out / "package" / "data" / "volume" / "casefile.pdf").read_bytes() == volume
    # … and counted: DIR/statistics.xlsx is the 许昌 table over the scenario's period, and the 合计
    # row in summary.json counts what the demo did (说明 2–3: 检查 and 复查 are 家次, officers 人次).
    statistics = on_disk["statistics"]
    # A corrected edition (更正) is the same inspection: only the edition in force counts.
    inspections = [
        d for d in docs if d["type"] in ("inspection_record", "reinspection_opinion") and "superseded_by" not in d
    ]
    assert statistics["total"]["inspections"] == len(inspections)
    assert statistics["total"]["officers"] == sum(len(d["officers"]) for d in inspections)
    assert statistics["total"]["fine_total"] == 5.0  # the decision's 伍万元, in 万元
    assert (out / "statistics.xlsx").read_bytes().startswith(b"PK")
    assert statistics["notices"]["count"] == 1 and "应急罚〔2026〕1号" in (out / "notices.csv").read_text("utf-8")

    # 演示账号: DIR/logins.txt, marked as demo credentials, lists every user the demo made with the
    # one demo password; and the demo ends by saying how to open its world.
    logins = (out / "logins.txt").read_text("utf-8")
    assert logins.startswith("演示账号") and "demo credentials only" in logins
    assert f"password（所有演示账号相同 the same for every demo account）: {DEMO_PASSWORD}" in logins
    rows = {line.split()[0]: line for line in logins.splitlines()[10:] if line.strip()}
    assert set(rows) == set(users)
    assert "张伟" in rows["zhangwei"] and "执法人员" in rows["zhangwei"] and "尧都区应急管理局" in rows["zhangwei"]
    assert "王红" in rows["wanghong"] and "档案管理员" in rows["wanghong"]
    assert "周静" in rows["zhoujing"] and "临汾市应急管理局" in rows["zhoujing"]
    hint = open_hint(out, out / "data")
    assert any(f"anjuan serve --data {out / 'data'}" in line for line in hint)
    _verify_demo_documents_anywhere(out, on_disk, tmp_path)
    # A newcomer's second command: `anjuan serve --data DIR/data` (what `make serve` runs), a real
    # server process; the handler logs in with the password from logins.txt and sees the demo case.
    _log_in_to_the_served_demo(out / "data", "zhangwei", DEMO_PASSWORD, summary["cases"][1]["name"], tmp_path)


def _log_in_to_the_served_demo(data: Path, username: str, password: str, case_name: str, cwd: Path) -> None:
    import os
    import re
    import socket
    import time

    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(cwd), "LANG": "C.UTF-8"}
    server = subprocess.Popen(
        [ANJUAN, "serve", "--data", str(data), "--port", str(port)],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            deadline = time.monotonic() + 60  # a cold start on a loaded machine: generous
            while True:
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                try:
                    page = client.get("/web/login")
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, "anjuan serve did not answer within 60 s"
                    time.sleep(0.2)
            token = re.search(r'name="csrf" value="(\w+)"', page.text)
            assert token
            login = client.post(
                "/web/login",
                data={"username": username, "password": password, "next": "/web/cases", "csrf": token.group(1)},
            )
            assert login.status_code == 303 and login.headers["location"] == "/web/cases", login.text[:300]
            cases = client.get("/web/cases")
            assert cases.status_code == 200 and case_name in cases.text
    finally:
        server.terminate()
        server.wait(timeout=30)


def _verify_demo_documents_anywhere(out: Path, summary: dict[str, Any], tmp_path: Path) -> None:
    """`anjuan verify` on a demo document, from another directory with no archive configured: the
    signatures and which root trusts them first, the archive's answer apart, a documented exit status,
    never a traceback — and nothing created where it ran."""
    import os

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANJUAN_")}
    decision = next(d for d in summary["documents"] if d["type"] == "penalty_decision_org")
    doc = str(out / decision["file"])
    root = str(out / "pki" / "root.pem")

    untrusted = run_anjuan(["verify", doc], env=env, cwd=elsewhere)  # a real process: what a user sees
    assert untrusted.returncode == 1, untrusted.stderr
    assert "可信 trusted: 否" in untrusted.stdout and "--trust ROOT.pem" in untrusted.stdout
    assert "未配置档案库" in untrusted.stdout and "Traceback" not in untrusted.stdout + untrusted.stderr
    assert untrusted.stderr == ""
    trusted = run_anjuan(["verify", doc, "--trust", root], env=env, cwd=elsewhere, in_process=True)
    assert trusted.returncode == 0, trusted.stdout + trusted.stderr
    lines = trusted.stdout.splitlines()
    signatures = [i for i, line in enumerate(lines) if line.startswith("  ✓")]
    assert len(signatures) == len(decision["signers"]) and "北京时间" in lines[signatures[0]]
    assert "可信 trusted: 是 yes — 根证书 root anjuan" in trusted.stdout and f"（{root}）" in trusted.stdout
    archive_line = next(i for i, line in enumerate(lines) if line.startswith("本档案库签发"))
    assert archive_line > signatures[-1] and "未配置档案库" in lines[archive_line]  # apart, after the signatures
    assert list(elsewhere.iterdir()) == []  # no ./var: checking a copy creates no archive
    as_json = json.loads(
        run_anjuan(["verify", doc, "--trust", root, "--json"], env=env, cwd=elsewhere, in_process=True).stdout
    )
    assert as_json["ok"] and as_json["archive"]["status"] == "not_configured"
    assert {s["trust_root_sha256"] for s in as_json["signatures"]} == {r["sha256"] for r in as_json["trust_roots"]}

    # With the demo's archive (--data): its own root trusts the seals, and it knows the very file …
    known = run_anjuan(["verify", doc, "--data", str(out / "data")], env=env, cwd=elsewhere, in_process=True)
    assert known.returncode == 0 and "正是本档案库签发的文件" in known.stdout and decision["number"] in known.stdout
    # … and says so when a document was replaced by its corrected edition (exit 1).
    old = next(d for d in summary["documents"] if "superseded_by" in d)
    replaced = run_anjuan(
        ["verify", str(out / old["file"]), "--data", str(out / "data")], env=env, cwd=elsewhere, in_process=True
    )
    assert replaced.returncode == 1 and "已更正，以新版本为准" in replaced.stdout
    # A file that cannot be checked: exit 2, one Chinese line.
    for args in (["verify", str(out / "summary.json")], ["verify", "missing.pdf"], ["verify", doc, "--trust", doc]):
        refused = run_anjuan(args, env=env, cwd=elsewhere, in_process=True)
        assert (
            refused.returncode == 2 and refused.stderr.startswith("错误 error [") and "Traceback" not in refused.stderr
        )
