"""The ``anjuan`` command as a user runs it: real processes, and long scenarios in-process (tests/fixtures/cli.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.cli import ANJUAN, run_anjuan
from tests.fixtures.pki import TestPki

PASSWORD = "cli test password"


def _run(
    tmp_path: Path, *args: str, check: bool = True, user: str | None = "admin", in_process: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run as ``user`` (ANJUAN_USER + ANJUAN_PASSWORD); ``user=None`` uses the session of ``anjuan login``.
    A real process unless ``in_process`` (see tests/fixtures/cli.py)."""
    env = {
        **os.environ,
        "ANJUAN_DATA_DIR": str(tmp_path / "var"),
        "ANJUAN_PKI_PASSPHRASE": "cli test passphrase",
        "ANJUAN_PASSWORD_LOG2_N": "10",
        "ANJUAN_PASSWORD": PASSWORD,
        "ANJUAN_ADMIN_PASSWORD": PASSWORD,
        "ANJUAN_NEW_PASSWORD": PASSWORD,
    }
    for name in ("ANJUAN_DATABASE_URL", "ANJUAN_USER", "ANJUAN_TOKEN"):
        env.pop(name, None)
    if user:
        env["ANJUAN_USER"] = user
    result = run_anjuan(args, env=env, cwd=tmp_path, in_process=in_process)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def _step(
    tmp_path: Path, *args: str, check: bool = True, user: str | None = "admin"
) -> subprocess.CompletedProcess[str]:
    """One command of a long scenario, in-process: the same entry point, without a second of
    Python start-up per command (start-up and what a real process prints are tested on their own)."""
    return _run(tmp_path, *args, check=check, user=user, in_process=True)


def test_doc_types_lists_the_whole_catalogue(tmp_path: Path) -> None:
    rows = json.loads(_run(tmp_path, "doc", "types", "--json").stdout)
    names = {r["name"] for r in rows}
    assert len([r for r in rows if r["edition"] == "2017"]) == 48
    assert {"行政处罚决定书（单位）", "现场检查记录", "案件调查报告", "不予行政处罚决定书"} <= names
    text = _step(tmp_path, "doc", "types").stdout
    assert "penalty_decision_org" in text and "行政处罚决定书（单位）" in text


def test_registry_and_errors_through_the_cli(tmp_path: Path) -> None:
    """Registry commands and their refusals, each a whole command line (in-process, see _step)."""
    anonymous = _step(tmp_path, "case", "new", "--org", "1", "--party", "1", "--json", check=False, user=None)
    assert anonymous.returncode == 1 and json.loads(anonymous.stderr)["error"]["code"] == "unauthenticated"
    _step(tmp_path, "init", "--admin", "admin")
    again = _step(tmp_path, "init", "--admin", "other", check=False)
    assert again.returncode == 1 and "already_bootstrapped" in again.stderr
    org = json.loads(_step(tmp_path, "org", "add", "临汾市尧都区应急管理局", "--area", "晋临", "--json").stdout)
    officer = json.loads(_step(tmp_path, "officer", "add", str(org["id"]), "张伟", "14100220190031", "--json").stdout)
    added = _step(tmp_path, "user", "add", "zhangwei", "--officer", str(officer["id"])).stdout
    assert "张伟（zhangwei）" in added  # an officer's login is shown with the officer's name
    bad = _step(tmp_path, "party", "add", "某公司", "--credit-code", "91141002MA0K1234EX", check=False)
    assert bad.returncode == 1 and "统一社会信用代码" in bad.stderr and "check character" in bad.stderr
    party = json.loads(
        _step(
            tmp_path,
            "party",
            "add",
            "临汾市尧都区鑫达化工有限公司",
            "--credit-code",
            "91141002MA0K1234EY",
            "--json",
        ).stdout
    )
    case = json.loads(
        _step(
            tmp_path,
            "case",
            "new",
            "--org",
            str(org["id"]),
            "--party",
            "91141002MA0K1234EY",
            "--kind",
            "检查",
            "--json",
            user="zhangwei",
        ).stdout
    )
    assert case["kind"] == "inspection" and case["party_id"] == party["id"]
    unknown = _step(tmp_path, "doc", "issue", str(case["id"]), "不存在的文书", check=False, user="zhangwei")
    assert unknown.returncode == 1 and "unknown_form" in unknown.stderr
    fields = tmp_path / "f.json"
    fields.write_text("{not json", "utf-8")
    broken = _step(
        tmp_path, "doc", "issue", str(case["id"]), "现场检查方案", "--fields", str(fields), check=False, user="zhangwei"
    )
    assert broken.returncode == 1 and "bad_fields_file" in broken.stderr
    # 人工评查 from the command line: the review lists what waits for a reviewer; a bad score is refused.
    _step(tmp_path, "user", "add", "pingcha", "--org", str(org["id"]), "--role", "reviewer", "--name", "周静")
    users = _step(tmp_path, "user", "list").stdout
    assert "周静" in users and "张伟" in users and "评查人员" in users
    renamed = json.loads(_step(tmp_path, "user", "name", "pingcha", "周 静", "--json").stdout)
    assert renamed["display_name"] == "周 静"
    listed = _step(tmp_path, "review", str(case["id"]), user="pingcha").stdout
    assert "初评，未结案" in listed and "待人工评查" in listed and f"anjuan assess {case['id']} facts_clear" in listed
    wrong = _step(
        tmp_path, "assess", str(case["id"]), "facts_clear", "--points", "12", "--json", check=False, user="pingcha"
    )
    assert wrong.returncode == 1 and json.loads(wrong.stderr)["error"]["code"] == "review_assessment_invalid"
    scored = _step(
        tmp_path,
        "assess",
        str(case["id"]),
        "facts_clear",
        "--points",
        "8",
        "--reason",
        "违法事实基本清楚",
        "--json",
        user="pingcha",
    )
    item = next(i for i in json.loads(scored.stdout)["items"] if i["id"] == "facts_clear")
    assert item["status"] == "assessed" and item["given"] == 8 and item["assessed_by"] == "pingcha"


@pytest.mark.parametrize("args", [["doc", "void", "1", "--reason", "x"], ["doc", "show", "42"]])
def test_missing_document_exits_non_zero(tmp_path: Path, args: list[str]) -> None:
    _step(tmp_path, "init", "--admin", "admin")
    result = _step(tmp_path, *args, "--json", check=False)
    assert result.returncode == 1
    assert json.loads(result.stderr)["error"]["code"] == "document_not_found"


def test_issue_and_verify_through_the_cli(tmp_path: Path) -> None:
    """A handler's whole path on the command line: register, log in, issue a sealed PDF, check any copy.

    Each step is a whole command line run in-process (see _step); the wrong-password step is a real
    process. The command that issues starts its own LibreOffice, as it does for a user."""
    _step(tmp_path, "init", "--admin", "admin")
    org = json.loads(_step(tmp_path, "org", "add", "临汾市尧都区应急管理局", "--area", "晋临", "--json").stdout)
    people = {}
    for username, name, cert_no, roles in (
        ("zhangwei", "张伟", "14100220190031", []),
        ("liuyang", "刘洋", "14100220200057", []),
        ("zhaomin", "赵敏", "14100220170012", ["supervisor"]),
        ("sunjianjun", "孙建军", "14100220120005", ["分管负责人"]),
    ):
        role_args = [a for r in roles for a in ("--role", r)]
        officer = json.loads(
            _step(tmp_path, "officer", "add", str(org["id"]), name, cert_no, *role_args, "--json").stdout
        )
        _step(tmp_path, "user", "add", username, "--officer", str(officer["id"]))
        people[username] = officer["id"]
    # The handler logs in once; later commands act as them through the saved session.
    _step(tmp_path, "login", "zhangwei", user=None)
    me = json.loads(_step(tmp_path, "whoami", "--json", user=None).stdout)
    assert me["username"] == "zhangwei" and me["roles"] == ["handler"]
    wrong = subprocess.run(
        [ANJUAN, "whoami"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "ANJUAN_DATA_DIR": str(tmp_path / "var"), "ANJUAN_USER": "zhangwei", "ANJUAN_PASSWORD": "x"},
    )
    assert wrong.returncode == 1 and "bad_credentials" in wrong.stderr
    _step(tmp_path, "party", "add", "临汾市尧都区鑫达化工有限公司", "--credit-code", "91141002MA0K1234EY", user=None)
    case = json.loads(
        _step(
            tmp_path,
            "case",
            "new",
            "--org",
            str(org["id"]),
            "--party",
            "1",
            "--kind",
            "inspection",
            "--officer",
            str(people["zhangwei"]),
            "--officer",
            str(people["liuyang"]),
            "--json",
            user=None,
        ).stdout
    )
    from tests.archive.test_documents import FIELDS

    fields = tmp_path / "plan.json"
    fields.write_text(json.dumps(FIELDS["inspection_plan"], ensure_ascii=False), "utf-8")
    # 现场检查方案 needs 审核 and 审批: issuing it straight away is refused and leaves nothing behind.
    early = _step(
        tmp_path, "doc", "issue", str(case["id"]), "现场检查方案", "--fields", str(fields), check=False, user=None
    )
    assert early.returncode == 1 and "approval_required" in early.stderr
    draft = json.loads(
        _step(
            tmp_path,
            "doc",
            "draft",
            str(case["id"]),
            "现场检查方案",
            "--fields",
            str(fields),
            "--date",
            "2026-10-12",
            "--json",
            user=None,
        ).stdout
    )
    _step(tmp_path, "doc", "submit", str(draft["id"]), user=None)
    own = _step(tmp_path, "doc", "approve", str(draft["id"]), "--opinion", "同意", check=False, user=None)
    assert own.returncode == 1 and ("not_permitted" in own.stderr or "self_approval" in own.stderr)
    _step(tmp_path, "doc", "approve", str(draft["id"]), "--opinion", "同意，报请审批。", user="zhaomin")
    _step(tmp_path, "doc", "approve", str(draft["id"]), "--opinion", "同意。", user="sunjianjun")
    doc = json.loads(_step(tmp_path, "doc", "issue-draft", str(draft["id"]), "--json", user=None).stdout)
    pdf = tmp_path / "plan.pdf"
    _step(tmp_path, "doc", "get", str(draft["id"]), "--out", str(pdf), user=None)
    assert doc["number"] == "（晋临）应急检查〔2026〕1号" and pdf.read_bytes().startswith(b"%PDF")
    holes = _step(tmp_path, "doc", "numbered-drafts", "--older-than-minutes", "0", user=None)
    assert "文号已占用未签发 numbered drafts: 0" in holes.stdout  # the issue completed: no number left hanging
    odd = _step(
        tmp_path, "doc", "issue-draft", str(draft["id"]), "--idempotency-key", "两个 词", check=False, user=None
    )
    assert odd.returncode == 1 and "bad_idempotency_key" in odd.stderr
    ok = _step(tmp_path, "verify", str(pdf), "--json", user=None)
    assert json.loads(ok.stdout)["ok"]
    tampered = tmp_path / "tampered.pdf"
    data = bytearray(pdf.read_bytes())
    data[len(data) // 3] ^= 0x01
    tampered.write_bytes(bytes(data))
    bad = _step(tmp_path, "verify", str(tampered), check=False, user=None)
    assert bad.returncode == 1 and "未通过" in bad.stdout
    # 全文检索 and 质量检查 from the command line, as the handler and as the administrator.
    found = json.loads(_step(tmp_path, "search", "应急检查[2026]1号", "--json", user=None).stdout)
    assert found["exact"] and [h["key"] for h in found["hits"]] == [f"doc:{draft['id']}"]
    listing = _step(tmp_path, "search", "鑫达", "--type", "inspection_plan", user=None).stdout
    assert "共 1 条" in listing and "（晋临）应急检查〔2026〕1号" in listing
    broken = _step(tmp_path, "search", '"未闭合', check=False, user=None)
    assert broken.returncode == 1 and "invalid_query" in broken.stderr
    rebuilt = _step(tmp_path, "index", "rebuild")
    assert "index rebuilt: 1 records" in rebuilt.stdout and "[" in rebuilt.stderr  # the progress bar
    status = json.loads(_step(tmp_path, "index", "status", "--json").stdout)
    assert status["records"] == 1 and status["missing_count"] == 0
    assert "publication_overdue" in _step(tmp_path, "qc", user=None).stdout
    late = json.loads(_step(tmp_path, "qc", "case_open_too_long", "--today", "2027-06-01", "--json", user=None).stdout)
    assert late["count"] == 1 and late["findings"][0]["case_id"] == case["id"]
    unknown = _step(tmp_path, "qc", "nonsense", check=False, user=None)
    assert unknown.returncode == 1 and "qc_unknown" in unknown.stderr
    major = json.loads(
        _step(tmp_path, "case", "major", str(case["id"]), "--reason", "液氨重大危险源", "--json", user=None).stdout
    )
    assert major["major"] is True and major["major_reason"] == "液氨重大危险源"
    no_reason = _step(tmp_path, "case", "major", str(case["id"]), "--reason", " ", check=False, user=None)
    assert no_reason.returncode == 1 and "须写明理由" in no_reason.stderr
    # 证据材料 and 组卷 from the command line: the JSON is the API's (api/schemas.py).
    photo = tmp_path / "scene.pdf"
    photo.write_bytes(pdf.read_bytes())
    attached = json.loads(
        _step(
            tmp_path,
            "casefile",
            "attach",
            str(case["id"]),
            str(photo),
            "--kind",
            "evidence",
            "--title",
            "现场照片",
            "--json",
            user=None,
        ).stdout
    )
    assert attached["title"] == "现场照片" and attached["pages"] >= 1 and attached["case_id"] == case["id"]
    built = tmp_path / "volume.pdf"
    volume = json.loads(
        _step(tmp_path, "casefile", "build", str(case["id"]), "--out", str(built), "--json", user=None).stdout
    )
    assert volume["version"] == 1 and volume["pages"] > volume["content_pages"] >= 2
    # With the archive here, ``casefile check`` verifies the seal with its roots and the pages against
    # its own copies of the documents: the volume it just built is in order.
    verdict = json.loads(_step(tmp_path, "casefile", "check", str(built), "--json", user=None).stdout)
    assert verdict["ok"] and verdict["sealed"] is True, verdict["findings"]
    assert any(e["title"] == "现场照片" for e in volume["entries"])  # the evidence has its place in the volume
    # Voiding needs approval: the request is recorded, the document stays issued.
    request = json.loads(
        _step(tmp_path, "doc", "void", str(draft["id"]), "--reason", "检查对象有误", "--json", user=None).stdout
    )
    assert request["status"] == "pending" and request["pending_step"] == "review"
    shown = json.loads(_step(tmp_path, "doc", "show", str(draft["id"]), "--json", user=None).stdout)
    assert shown["status"] == "issued"
    # for people: Chinese labels, Beijing time, names (JSON keeps the machine values above)
    human = _step(tmp_path, "doc", "show", str(draft["id"]), user=None).stdout
    assert "状态：已签发" in human and "制作人：" in human and "+00:00" not in human and "issued" not in human
    _step(tmp_path, "logout", user=None)
    gone = _step(tmp_path, "whoami", check=False, user=None)
    assert gone.returncode == 1 and "unauthenticated" in gone.stderr


def test_casefile_check_on_any_pdf(tmp_path: Path, converter_pool: Any, test_pki: TestPki) -> None:
    """``casefile check`` needs no login and no database: it reads the volume itself, and checks its
    seal against the roots given with ``--trust``. One verdict, exit 3 on any failure."""
    import pikepdf
    from anjuan.signing import SignatureSpec
    from anjuan.signing.sealer import Sealer
    from anjuan.templates.volume import build_volume

    from tests.templates.test_volume import COVER, NOTES, sample_entries

    unsealed = build_volume(sample_entries(converter_pool)[:3], COVER, NOTES, converter_pool).pdf
    volume = tmp_path / "volume.pdf"
    volume.write_bytes(Sealer().seal(unsealed, [SignatureSpec(test_pki.organ_seal, "seal-organ")]))
    root = str(test_pki.directory / "root.pem")
    good = _step(tmp_path, "casefile", "check", str(volume), "--trust", root, "--json", user=None)
    verdict = json.loads(good.stdout)
    assert verdict["ok"] and verdict["sealed"] is True and len(verdict["seals"]) == 1
    assert "签章 ✓" in _step(tmp_path, "casefile", "check", str(volume), "--trust", root, user=None).stdout
    untrusted = _step(tmp_path, "casefile", "check", str(volume), check=False, user=None)  # no --trust
    assert untrusted.returncode == 3 and "seal_invalid" in untrusted.stdout
    plain = tmp_path / "unsealed.pdf"
    plain.write_bytes(unsealed)
    bare = _step(tmp_path, "casefile", "check", str(plain), "--trust", root, check=False, user=None)
    assert bare.returncode == 3 and "volume_unsealed" in bare.stdout
    broken = tmp_path / "broken.pdf"
    with pikepdf.open(volume) as pdf:
        del pdf.pages[3]
        pdf.save(broken)
    bad = _step(tmp_path, "casefile", "check", str(broken), "--trust", root, check=False, user=None)
    assert bad.returncode == 3 and "不符" in bad.stdout and "第" in bad.stdout
    garbage = tmp_path / "garbage.pdf"
    garbage.write_bytes(b"nothing")
    assert _step(tmp_path, "casefile", "check", str(garbage), check=False, user=None).returncode == 3


def test_users_see_no_library_noise_and_developers_see_it_with_verbose(tmp_path: Path, test_pki: TestPki) -> None:
    """No Python warning, no library log record, no traceback on the terminal of a user — not even
    when pyHanko fails to build a path to an untrusted root; ``--verbose`` shows them all."""
    from anjuan.signing import SignatureSpec
    from anjuan.signing.sealer import Sealer
    from anjuan.templates.convert import FakeConverter

    from tests.templates.test_convert import make_docx

    pdf = FakeConverter().convert(make_docx(["行政处罚决定书", "某某市应急管理局"]))
    untrusted = tmp_path / "untrusted.pdf"
    untrusted.write_bytes(Sealer().seal(pdf, [SignatureSpec(test_pki.outsider, "seal-organ")]))

    quiet = _run(tmp_path, "verify", str(untrusted), check=False, user=None)
    assert quiet.returncode == 1, quiet.stderr  # not trusted: the verdict, not a crash
    assert "未通过" in quiet.stdout
    for noise in ("Traceback", "Warning", "pyhanko", "WARNING", "ERROR"):
        assert noise not in quiet.stderr, quiet.stderr
    assert _run(tmp_path, "doc", "types", "--json", user=None).stderr == ""

    loud = _run(tmp_path, "--verbose", "verify", str(untrusted), check=False, user=None)
    assert loud.returncode == 1 and loud.stdout == quiet.stdout
    assert "CryptographyDeprecationWarning" in loud.stderr  # pyHanko's DSA import, shown to developers
    assert "pyhanko" in loud.stderr  # the path-building records and their tracebacks


def test_an_unexpected_failure_is_one_line_without_a_traceback(tmp_path: Path) -> None:
    """A failure nobody foresaw (here: the data directory is a file) is named in one line and exit 70."""
    (tmp_path / "var").write_text("not a directory")
    result = _run(tmp_path, "audit", "verify", check=False)
    assert result.returncode == 70
    assert "Traceback" not in result.stderr and "内部错误" in result.stderr and "--verbose" in result.stderr
    verbose = _run(tmp_path, "audit", "verify", "--verbose", check=False)
    assert verbose.returncode != 0 and "Traceback" in verbose.stderr


def test_a_command_loads_only_the_libraries_it_uses() -> None:
    """Start-up stays about a second: opening the command line imports no library for sealing,
    rendering, PDF work, spreadsheets or migrations — the commands that use them import them."""
    heavy = ("pyhanko", "aiohttp", "docx", "docxtpl", "pikepdf", "pypdf", "PIL", "openpyxl", "cn2an", "alembic")
    probe = (
        "import sys, anjuan.api.cli, anjuan.signing, anjuan.templates, anjuan.templates.volume; "
        f"print(' '.join(m for m in {heavy!r} if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    assert loaded == []
    # … and the lazily exported names still resolve.
    from anjuan import signing, templates

    assert signing.Sealer.__module__ == "anjuan.signing.sealer" and "Sealer" in dir(signing)
    assert templates.DocxRenderer.__module__ == "anjuan.templates.render"
    with pytest.raises(AttributeError):
        _ = signing.NoSuchName  # type: ignore[attr-defined]
