"""A corpus of defective cases (tests/review_corpus/): historical cases back-filled through the
service API with the gates off, each with ONE planted defect — or none, a clean control per procedure.

Each case file states the finding it must produce as data — the document's form, whether it is a
否决项, and the category (never an item id: items are renamed, categories are the standard's) — and
this runner reviews the case and holds the review to it:

- ``test_defect_is_found``: a finding names the planted document (its id, form and 文号) and the
  page where it starts in the built volume; a clean control has no finding at all.
- ``test_defect_severity``: that finding is a veto or not and sits in the expected category (the
  standard sheet of items.yaml: 基本标准 vetoes per domain.md §3.2), and a veto rates the file 不合格.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from anjuan.archive.review import ReviewFinding, ReviewReport
from anjuan.archive.service import Archive
from PIL import Image

from tests.fixtures.archive import Bureau

CORPUS = Path(__file__).resolve().parent.parent / "review_corpus"
BASES: dict[str, Any] = yaml.safe_load((CORPUS / "_bases.yaml").read_text("utf-8"))
CASES = sorted(p for p in CORPUS.glob("*.yaml") if not p.name.startswith("_"))
DEFECTS = [p for p in CASES if yaml.safe_load(p.read_text("utf-8")).get("expect")]  # not the clean controls

# Real LibreOffice: the volume is paginated and stamped, so findings carry real pages.
pytestmark = [pytest.mark.archive_settings(enforce_gates=False), pytest.mark.libreoffice]


def _load(path: Path) -> dict[str, Any]:
    spec = yaml.safe_load(path.read_text("utf-8"))
    spec["id"] = path.stem
    return spec


def _scan() -> bytes:
    """A one-page scan (PNG) standing for a paper voucher."""
    out = io.BytesIO()
    Image.new("RGB", (60, 80), "white").save(out, format="PNG")
    return out.getvalue()


def _steps(spec: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The base case with the case file's edits applied (the one planted defect)."""
    base = copy.deepcopy(BASES[spec["base"]])
    steps: list[dict[str, Any]] = base["steps"]
    for edit in spec.get("edits", []):
        if "drop" in edit:
            steps[:] = [s for s in steps if s["ref"] != edit["drop"]]
            continue
        if "add" in edit:
            at = next(i for i, s in enumerate(steps) if s["ref"] == edit["after"]) + 1
            steps.insert(at, edit["add"])
            continue
        step = next(s for s in steps if s["ref"] == edit["ref"])
        step["fields"].update(edit.get("fields", {}))
        for key in ("date", "officers"):
            if key in edit:
                step[key] = edit[key]
        if "drop_rows" in edit:
            rows = step["fields"]["deliveries"]
            step["fields"]["deliveries"] = [r for r in rows if r.get("doc") not in edit["drop_rows"]]
    for key in ("attachments", "publish"):
        if key in spec:
            base[key] = spec[key]
    return base, steps


def _back_fill(archive: Archive, bureau: Bureau, spec: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    base, steps = _steps(spec)
    case = archive.registry.create_case(
        actor=bureau.handler,
        org_id=bureau.org_id,
        kind=base["kind"],
        procedure=base["procedure"],
        party_id=bureau.party_id,
        officer_ids=bureau.officer_ids,
        name=base["name"],
        cause=base.get("cause", ""),
    ).id
    issued: dict[str, Any] = {}
    for step in steps:
        fields = json.loads(json.dumps(step.get("fields", {}), default=str))
        if step["form"] == "service_receipt":
            for row in fields["deliveries"]:
                served = issued[row.pop("doc")]
                form = archive.kernel.rules.catalogue
                name = next(f.name for f in form.forms if f.id == served.form_id)
                row["document"] = f"{name}（{served.number}）"
        issued[step["ref"]] = bureau.issue(
            archive,
            case_id=case,
            form_key=step["form"],
            fields=fields,
            officer_ids=[bureau.officer_ids[i] for i in step.get("officers", [0, 1])],
            parent_id=issued[step["parent"]].id if step.get("parent") else None,
            doc_date=dt.date.fromisoformat(str(step["date"])),
        )
    for attachment in base.get("attachments", []):
        archive.casefiles.add_attachment(
            actor=bureau.handler,
            case_id=case,
            kind=attachment["kind"],
            title=attachment["title"],
            data=_scan(),
            filename="voucher.png",
            date=dt.date.fromisoformat(str(attachment["date"])),
            responsible=attachment.get("responsible", ""),
        )
    if (publish := base.get("publish")) and publish["ref"] in issued:
        archive.qc.publish(
            actor=bureau.handler,
            document_id=issued[publish["ref"]].id,
            published_on=dt.date.fromisoformat(str(publish["date"])),
            channel=publish["channel"],
        )
    return case, issued


# Reviews already made in this process, by case file: the severity test reads the report the finding
# test made (back-filling and building a volume with LibreOffice takes seconds), or makes its own.
_REVIEWED: dict[str, tuple[ReviewReport, dict[str, Any], dict[int, int]]] = {}


def _review(
    archive: Archive, bureau: Bureau, spec: dict[str, Any]
) -> tuple[ReviewReport, dict[str, Any], dict[int, int]]:
    if spec["id"] in _REVIEWED:
        return _REVIEWED[spec["id"]]
    case, issued = _back_fill(archive, bureau, spec)
    volume = archive.casefiles.build(actor=bureau.handler, case_id=case, checker="赵敏")
    pages = {
        int(e["key"].split(":")[1]): e["start"] for e in volume.entries if str(e.get("key", "")).startswith("document:")
    }
    _REVIEWED[spec["id"]] = (archive.reviews.review(actor=bureau.people["赵敏"], case_id=case), issued, pages)
    return _REVIEWED[spec["id"]]


def _matching(report: ReviewReport, expect: dict[str, Any], issued: dict[str, Any]) -> list[ReviewFinding]:
    """Findings about the expected document (its ref, else any document of the expected form)."""
    doc = issued.get(expect["ref"]) if expect.get("ref") else None
    return [
        f
        for f in report.findings
        if f.form == expect["form"]
        and (doc is None or f.document_id == doc.id)
        and expect.get("says", "") in f.message_zh
    ]


def _show(report: ReviewReport) -> str:
    return "\n".join(
        f"{f.item} [{f.category}{', 否决' if f.veto else ''}] {f.form} p{f.page}: {f.message_zh}"
        for f in report.findings
    )


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_defect_is_found(archive: Archive, bureau: Bureau, path: Path) -> None:
    spec = _load(path)
    report, issued, pages = _review(archive, bureau, spec)
    if not spec.get("expect"):  # a clean control: nothing at all
        assert report.findings == () and report.veto == (), f"clean control {spec['id']}:\n{_show(report)}"
        return
    for expect in spec["expect"]:
        found = _matching(report, expect, issued)
        assert found, f"{spec['id']}: no finding on {expect}\n{_show(report)}"
        doc = issued.get(expect.get("ref", ""))
        if doc is not None:
            assert all(f.number == doc.number for f in found)
            assert any(f.page == pages[doc.id] for f in found), _show(report)


@pytest.mark.parametrize("path", DEFECTS, ids=[p.stem for p in DEFECTS])
def test_defect_severity(archive: Archive, bureau: Bureau, path: Path) -> None:
    spec = _load(path)
    report, issued, _pages = _review(archive, bureau, spec)
    for expect in spec["expect"]:
        graded = [
            f
            for f in _matching(report, expect, issued)
            if f.veto == expect["veto"] and f.category == expect["category"]
        ]
        assert graded, (
            f"{spec['id']}: no {expect} finding with veto={expect['veto']} in {expect['category']}\n{_show(report)}"
        )
        if expect["veto"]:  # 不合格 whatever the score (an open case's rating also says 初评，未结案)
            assert report.band == "不合格" and report.rating.startswith("不合格"), report.rating
