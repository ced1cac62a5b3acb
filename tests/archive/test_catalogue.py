"""The packaged catalogue and clause files, the loader's checks and the form lookup."""

from __future__ import annotations

import copy
import datetime as dt
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml
from anjuan.archive.catalogue import (
    CatalogueError,
    UnknownForm,
    clauses_in_force,
    load_catalogue,
    load_clauses,
    resolve_form,
)
from anjuan.archive.catalogue.model import CaseKind, FieldType, Procedure, SealType
from anjuan.archive.errors import ArchiveError, NotFound

CORE = [
    "inspection_plan",
    "inspection_record",
    "onsite_measures_decision",
    "rectification_order",
    "reinspection_opinion",
    "case_filing_approval",
    "inquiry_notice",
    "inquiry_record",
    "survey_record",
    "penalty_notice",
    "statement_defence_record",
    "hearing_notice",
    "investigation_report",
    "case_handling_approval",
    "penalty_decision_org",
    "service_receipt",
    "case_closing_approval",
]

ADDITIONS_2021 = [
    "不予行政处罚决定书",
    "行政处罚法制审核意见书",
    "案件撤销记录单",
    "案件终止审批表",
    "整改复查延期申请审批表",
    "整改复查延期申请答复书",
    "非职责范围安全问题移交单",
    "行政处罚案件审批表",
    "案件告知审批表",
    "图片文书",
    "重大案件集体讨论记录",
    "案件调查报告",
]

# domain.md §1.4: 一案一号 codes.
CASE_CODES = {
    *("立", "回", "询", "终报", "罚告", "听告", "处呈"),
    *("罚集", "罚", "缴审", "缴批", "执行催告", "强执", "结"),
}


def _raw(name: str) -> dict[str, Any]:
    text = resources.files("anjuan.archive.catalogue").joinpath(name).read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _write(tmp_path: Path, data: dict[str, Any], name: str = "catalogue.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _form(data: dict[str, Any], form_id: str) -> dict[str, Any]:
    return next(f for f in data["forms"] if f["id"] == form_id)


# -- the packaged catalogue --------------------------------------------------------------------


def test_packaged_catalogue_validates_and_is_cached() -> None:
    cat = load_catalogue()
    assert cat.version == 1 and cat.title
    assert load_catalogue() is cat
    assert len(cat.forms) >= 48 + len(ADDITIONS_2021) - 1  # 案件调查报告 counted once


def test_2017_set_has_48_forms_with_orders_1_to_48() -> None:
    forms = [f for f in load_catalogue().forms if f.edition == "2017"]
    assert sorted(f.order for f in forms) == list(range(1, 49))
    orders = [f.order for f in load_catalogue().forms]
    assert len(orders) == len(set(orders))


def test_2021_additions_present() -> None:
    cat = load_catalogue()
    for name in ADDITIONS_2021:
        form = resolve_form(cat, name)
        assert form.edition == "2021" and form.order >= 49, name


def test_core_forms_have_templates_and_fields() -> None:
    cat = load_catalogue()
    with_template = {f.id for f in cat.forms if f.template}
    assert with_template == set(CORE)
    for form_id in CORE:
        form = resolve_form(cat, form_id)
        assert form.template == f"{form_id}.docx"
        assert any(fs.required for fs in form.fields), form_id
    qa = resolve_form(cat, "inquiry_record").field("qa")
    assert qa is not None and qa.type is FieldType.table
    assert {c.id for c in qa.columns} == {"question", "answer"}
    rows = resolve_form(cat, "service_receipt").field("deliveries")
    assert rows is not None and len(rows.columns) == 7


def test_every_form_has_labels() -> None:
    for form in load_catalogue().forms:
        assert form.fields, form.id
        for fs in form.fields:
            assert fs.label and fs.label_en, (form.id, fs.id)


def test_numbering_rules() -> None:
    cat = load_catalogue()
    counters = {c.id for c in cat.counters}
    assert {"M1", "M2", "M3", "M4", "M5", "M6", "M7"} <= counters
    for form in cat.forms:
        if form.code in CASE_CODES:
            assert form.number is not None and form.number.source == "case", form.id
            assert form.number.counter == "M6", form.id
    assert resolve_form(cat, "inspection_plan").number.counter == "M1"  # type: ignore[union-attr]
    record = resolve_form(cat, "inspection_record").number
    assert record is not None and record.source == "inherit" and record.parents == ("inspection_plan",)
    assert record.counter == "M2"
    for form_id, counter in (("onsite_measures_decision", "M3"), ("rectification_order", "M4")):
        rule = resolve_form(cat, form_id).number
        assert rule is not None and rule.source == "inherit" and rule.parents == ("inspection_record",)
        assert rule.counter == counter
    re = resolve_form(cat, "reinspection_opinion").number
    assert re is not None and re.parents == ("rectification_order", "onsite_measures_decision")
    assert re.counter == "M5"
    unnumbered = {f.name for f in cat.forms if not f.numbered}
    assert {"询问笔录", "当事人陈述申辩笔录", "听证笔录", "卷内目录"} <= unnumbered
    for form in cat.forms:
        if not form.numbered:
            assert form.code is None and form.number is None, form.id


def test_seals_procedures_and_kinds() -> None:
    cat = load_catalogue()
    for name in (
        "行政处罚告知书",
        "行政处罚听证告知书",
        "行政处罚决定书（单位）",
        "行政处罚决定书（个人）",
        "行政（当场）处罚决定书（单位）",
        "行政（当场）处罚决定书（个人）",
        "不予行政处罚决定书",
    ):
        assert resolve_form(cat, name).seal is SealType.organ, name
    assert resolve_form(cat, "询问笔录").seal is SealType.none
    assert resolve_form(cat, "案件处理呈批表").seal is SealType.none
    assert resolve_form(cat, "现场检查记录").seal is SealType.enforcement
    assert resolve_form(cat, "罚当").procedures == (Procedure.simple,)
    assert resolve_form(cat, "立案审批表").procedures == (Procedure.general,)
    assert CaseKind.inspection in resolve_form(cat, "现场检查记录").case_kinds
    assert resolve_form(cat, "行政处罚决定书（单位）").case_kinds == (CaseKind.penalty,)
    assert resolve_form(cat, "现场检查记录").min_officers == 2


# -- lookup ------------------------------------------------------------------------------------


def test_every_form_reachable_by_id_name_alias_and_ws_code() -> None:
    cat = load_catalogue()
    for form in cat.forms:
        assert resolve_form(cat, form.id) is form
        assert resolve_form(cat, form.name) is form
        half = form.name.replace("（", "(").replace("）", ")")
        full = form.name.replace("(", "（").replace(")", "）")
        assert resolve_form(cat, half) is form
        assert resolve_form(cat, full) is form
        assert resolve_form(cat, f" {form.id.upper()} ") is form
        for alias in form.aliases:
            assert resolve_form(cat, alias) is form
        if form.ws_code:
            assert resolve_form(cat, form.ws_code) is form


def test_common_short_names() -> None:
    cat = load_catalogue()
    assert resolve_form(cat, "处罚决定书").id == "penalty_decision_org"
    assert resolve_form(cat, "责改").id == "rectification_order"
    assert resolve_form(cat, "检查记录").id == "inspection_record"
    assert resolve_form(cat, "行政处罚决定书(个人)").id == "penalty_decision_person"


def test_unknown_form_suggests_close_matches() -> None:
    cat = load_catalogue()
    with pytest.raises(UnknownForm) as err:
        resolve_form(cat, "处罚决定")
    exc = err.value
    assert isinstance(exc, NotFound) and isinstance(exc, ArchiveError)
    assert exc.code == "unknown_form"
    ids = [s["id"] for s in exc.details["suggestions"]]
    assert "penalty_decision_org" in ids
    assert "行政处罚决定书（单位）" in exc.message_zh
    with pytest.raises(UnknownForm) as nothing:
        resolve_form(cat, "")
    assert nothing.value.code == "unknown_form"


# -- rejected catalogue files ------------------------------------------------------------------


def test_explicit_path_loads(tmp_path: Path) -> None:
    cat = load_catalogue(_write(tmp_path, _raw("catalogue.yaml")))
    assert len(cat.forms) == len(load_catalogue().forms)


def test_unknown_key_rejected(tmp_path: Path) -> None:
    data = _raw("catalogue.yaml")
    _form(data, "penalty_notice")["seel"] = "organ"
    with pytest.raises(CatalogueError) as err:
        load_catalogue(_write(tmp_path, data))
    assert err.value.code == "catalogue_invalid"
    assert "forms[penalty_notice].seel" in err.value.message_en
    assert "unknown key" in err.value.message_en


def test_unknown_field_key_rejected(tmp_path: Path) -> None:
    data = _raw("catalogue.yaml")
    _form(data, "penalty_notice")["fields"][0]["requird"] = True
    with pytest.raises(CatalogueError) as err:
        load_catalogue(_write(tmp_path, data))
    assert "forms[penalty_notice].fields[violations].requird" in err.value.message_en


def test_unknown_counter_rejected(tmp_path: Path) -> None:
    data = _raw("catalogue.yaml")
    _form(data, "survey_record")["number"]["counter"] = "M999"
    with pytest.raises(CatalogueError) as err:
        load_catalogue(_write(tmp_path, data))
    assert "survey_record" in err.value.message_en and "M999" in err.value.message_en


def test_numbered_form_without_code_rejected(tmp_path: Path) -> None:
    data = _raw("catalogue.yaml")
    del _form(data, "penalty_notice")["code"]
    with pytest.raises(CatalogueError) as err:
        load_catalogue(_write(tmp_path, data))
    assert "penalty_notice" in err.value.message_en and "code" in err.value.message_en


def test_ambiguous_alias_rejected(tmp_path: Path) -> None:
    data = _raw("catalogue.yaml")
    _form(data, "penalty_notice")["aliases"].append("行政处罚决定书(单位)")
    with pytest.raises(CatalogueError) as err:
        load_catalogue(_write(tmp_path, data))
    assert "penalty_decision_org" in err.value.message_en and "penalty_notice" in err.value.message_en


def test_yaml_syntax_error_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("forms: [\n", encoding="utf-8")
    with pytest.raises(CatalogueError):
        load_catalogue(bad)
    with pytest.raises(CatalogueError):
        load_catalogue(tmp_path / "missing.yaml")


# -- clauses -----------------------------------------------------------------------------------


def test_packaged_clauses_validate() -> None:
    clauses = load_clauses()
    assert load_clauses() is clauses
    ids = {c.id for c in clauses.clauses}
    assert {
        "remedy",
        "remedy_onsite",
        "penalty_payment",
        "statement_defence",
        "hearing_request",
        "preservation_disposal",
        "simple_penalty_filing",
        "enforcement_application",
    } <= ids
    today = clauses_in_force(clauses, dt.date(2026, 3, 1))
    assert ids == set(today)  # every clause has a current version


def test_hearing_request_3_days_before_2021_07_15_and_5_after() -> None:
    clauses = load_clauses()
    before = clauses_in_force(clauses, dt.date(2021, 7, 14))["hearing_request"]
    after = clauses_in_force(clauses, dt.date(2021, 7, 15))["hearing_request"]
    assert before.params["days"] == 3 and after.params["days"] == 5
    assert "四十二" in before.text.format(**before.params, org_name="某局")
    assert "六十四" in after.text.format(**after.params, org_name="某局")


def test_remedy_after_2024_names_review_body() -> None:
    clauses = load_clauses()
    remedy = clauses_in_force(clauses, dt.date(2024, 1, 1))["remedy"]
    assert "{review_body}" in remedy.text and "{court}" in remedy.text
    assert "2023" in remedy.basis and "本级人民政府" in remedy.basis
    text = remedy.text.format(**remedy.params, review_body="临汾市尧都区人民政府", court="尧都区人民法院")
    assert "60日内向临汾市尧都区人民政府申请行政复议" in text and "6个月" in text
    old = clauses_in_force(clauses, dt.date(2023, 12, 31))["remedy"]
    assert old.effective_to == dt.date(2023, 12, 31)


def test_penalty_payment_2021() -> None:
    clause = clauses_in_force(load_clauses(), dt.date(2023, 5, 1))["penalty_payment"]
    assert clause.params["payment_days"] == 15 and clause.params["surcharge_rate"] == 3
    text = clause.text.format(**clause.params, bank="某银行", account="123")
    assert "不超出罚款的数额" in text and "七十二" in text


def test_clause_with_unknown_placeholder_rejected(tmp_path: Path) -> None:
    data = _raw("clauses.yaml")
    data["clauses"][0]["text"] += "{nonsense}"
    with pytest.raises(CatalogueError) as err:
        load_clauses(_write(tmp_path, data, "clauses.yaml"))
    assert "nonsense" in err.value.message_en


def test_overlapping_clause_versions_rejected(tmp_path: Path) -> None:
    data = _raw("clauses.yaml")
    extra = copy.deepcopy(next(c for c in data["clauses"] if c["id"] == "hearing_request"))
    extra["effective_from"] = dt.date(2022, 1, 1)
    extra["effective_to"] = None
    data["clauses"].append(extra)
    with pytest.raises(CatalogueError) as err:
        load_clauses(_write(tmp_path, data, "clauses.yaml"))
    assert "hearing_request" in err.value.message_en and "overlap" in err.value.message_en


def test_penalty_decisions_are_flagged_in_the_catalogue() -> None:
    # 执法统计's 行政处罚 and the index's 决定日期 read this flag: every 行政处罚决定书, 一般 and 当场,
    # 单位 and 个人 — not the 不予行政处罚决定书 nor the 呈批表 of the decision stage.
    assert set(load_catalogue().penalty_forms) == {
        "penalty_decision_org",
        "penalty_decision_person",
        "onsite_penalty_decision_org",
        "onsite_penalty_decision_person",
    }
