"""The ``anjuan`` command as a user runs it (a real subprocess, its own data directory)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ANJUAN = str(Path(sys.executable).parent / "anjuan")


def _run(tmp_path: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "ANJUAN_DATA_DIR": str(tmp_path / "var"),
        "ANJUAN_DATABASE_URL": "",
        "ANJUAN_PKI_PASSPHRASE": "cli test passphrase",
    }
    env.pop("ANJUAN_DATABASE_URL")
    result = subprocess.run([ANJUAN, *args], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def test_doc_types_lists_the_whole_catalogue(tmp_path: Path) -> None:
    rows = json.loads(_run(tmp_path, "doc", "types", "--json").stdout)
    names = {r["name"] for r in rows}
    assert len([r for r in rows if r["edition"] == "2017"]) == 48
    assert {"行政处罚决定书（单位）", "现场检查记录", "案件调查报告", "不予行政处罚决定书"} <= names
    text = _run(tmp_path, "doc", "types").stdout
    assert "penalty_decision_org" in text and "行政处罚决定书（单位）" in text


def test_registry_and_errors_through_the_cli(tmp_path: Path) -> None:
    _run(tmp_path, "init")
    org = json.loads(_run(tmp_path, "org", "add", "临汾市尧都区应急管理局", "--area", "晋临", "--json").stdout)
    _run(tmp_path, "officer", "add", str(org["id"]), "张伟", "14100220190031")
    bad = _run(tmp_path, "party", "add", "某公司", "--credit-code", "91141002MA0K1234EX", check=False)
    assert bad.returncode == 1 and "统一社会信用代码" in bad.stderr and "check character" in bad.stderr
    party = json.loads(
        _run(
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
        _run(
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
        ).stdout
    )
    assert case["kind"] == "inspection" and case["party_id"] == party["id"]
    unknown = _run(tmp_path, "doc", "issue", str(case["id"]), "不存在的文书", check=False)
    assert unknown.returncode == 1 and "unknown_form" in unknown.stderr
    fields = tmp_path / "f.json"
    fields.write_text("{not json", "utf-8")
    broken = _run(tmp_path, "doc", "issue", str(case["id"]), "现场检查方案", "--fields", str(fields), check=False)
    assert broken.returncode == 1 and "bad_fields_file" in broken.stderr


@pytest.mark.parametrize("args", [["doc", "void", "1", "--reason", "x"], ["doc", "show", "42"]])
def test_missing_document_exits_non_zero(tmp_path: Path, args: list[str]) -> None:
    result = _run(tmp_path, *args, "--json", check=False)
    assert result.returncode == 1
    assert json.loads(result.stderr)["error"]["code"] == "document_not_found"


def test_issue_and_verify_through_the_cli(tmp_path: Path) -> None:
    """A handler's whole path on the command line: register, issue a sealed PDF, check any copy."""
    org = json.loads(_run(tmp_path, "org", "add", "临汾市尧都区应急管理局", "--area", "晋临", "--json").stdout)
    officers = [
        json.loads(_run(tmp_path, "officer", "add", str(org["id"]), n, c, "--json").stdout)["id"]
        for n, c in (("张伟", "14100220190031"), ("刘洋", "14100220200057"))
    ]
    _run(tmp_path, "party", "add", "临汾市尧都区鑫达化工有限公司", "--credit-code", "91141002MA0K1234EY")
    case = json.loads(
        _run(
            tmp_path,
            "case",
            "new",
            "--org",
            str(org["id"]),
            "--party",
            "1",
            "--kind",
            "inspection",
            *[a for o in officers for a in ("--officer", str(o))],
            "--json",
        ).stdout
    )
    from tests.archive.test_documents import FIELDS

    reviewer, deputy = (
        json.loads(_run(tmp_path, "officer", "add", str(org["id"]), n, c, "--role", r, "--json").stdout)["id"]
        for n, c, r in (("赵敏", "14100220170012", "supervisor"), ("孙建军", "14100220120005", "分管负责人"))
    )
    fields = tmp_path / "plan.json"
    fields.write_text(json.dumps(FIELDS["inspection_plan"], ensure_ascii=False), "utf-8")
    # 现场检查方案 needs 审核 and 审批: issuing it straight away is refused and leaves nothing behind.
    early = _run(tmp_path, "doc", "issue", str(case["id"]), "现场检查方案", "--fields", str(fields), check=False)
    assert early.returncode == 1 and "approval_required" in early.stderr
    draft = json.loads(
        _run(
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
        ).stdout
    )
    _run(tmp_path, "doc", "submit", str(draft["id"]), "--officer", str(officers[0]))
    own = _run(
        tmp_path, "doc", "approve", str(draft["id"]), "--officer", str(officers[0]), "--opinion", "同意", check=False
    )
    assert own.returncode == 1 and ("not_permitted" in own.stderr or "self_approval" in own.stderr)
    _run(tmp_path, "doc", "approve", str(draft["id"]), "--officer", str(reviewer), "--opinion", "同意，报请审批。")
    _run(tmp_path, "doc", "approve", str(draft["id"]), "--officer", str(deputy), "--opinion", "同意。")
    doc = json.loads(_run(tmp_path, "doc", "issue-draft", str(draft["id"]), "--json").stdout)
    pdf = tmp_path / "plan.pdf"
    _run(tmp_path, "doc", "get", str(draft["id"]), "--out", str(pdf))
    assert doc["number"] == "（晋临）应急检查〔2026〕1号" and pdf.read_bytes().startswith(b"%PDF")
    ok = _run(tmp_path, "verify", str(pdf), "--json")
    assert json.loads(ok.stdout)["ok"]
    tampered = tmp_path / "tampered.pdf"
    data = bytearray(pdf.read_bytes())
    data[len(data) // 3] ^= 0x01
    tampered.write_bytes(bytes(data))
    bad = _run(tmp_path, "verify", str(tampered), check=False)
    assert bad.returncode == 3 and "未通过" in bad.stdout
