"""Status labels: one table per status, the same words on the command line and in the web pages."""

from __future__ import annotations

import datetime as dt

from anjuan.api.cli.registry import _deadline_line
from anjuan.api.labels import CASE_STATUS_ZH, DEADLINE_STATUS_ZH, DOCUMENT_STATUS_ZH, status_zh
from anjuan.api.web.context import env
from anjuan.archive.procedure.deadlines import Deadline, DeadlineStatus


def test_every_status_a_user_can_meet_has_a_chinese_label() -> None:
    assert set(DEADLINE_STATUS_ZH) == {s.value for s in DeadlineStatus}
    assert set(DOCUMENT_STATUS_ZH) == {"draft", "submitted", "issued", "voided", "superseded", "deleted"}
    assert set(CASE_STATUS_ZH) == {"open", "closed", "filed"}
    labels = [*DEADLINE_STATUS_ZH.values(), *DOCUMENT_STATUS_ZH.values(), *CASE_STATUS_ZH.values()]
    assert all(label and label.isascii() is False for label in labels)


def test_the_command_line_and_the_web_say_the_same() -> None:
    line = _deadline_line(
        Deadline(
            rule_id="decision_within",
            name="行政处罚决定",
            name_en="decision",
            due=dt.date(2026, 11, 30),
            status=DeadlineStatus.met,
            trigger_event=None,
            satisfied_on=dt.date(2026, 11, 20),
            basis="行政处罚法第六十条",
            confidence="V",
            days_left=None,
            unit="90日",
            unit_en="90 days",
        )
    )
    assert "按期完成" in line and "已履行" not in line
    assert env.filters["status"]("lapsed") == status_zh("lapsed") == "期满未行使"
    assert env.filters["status"]("issued") == "已签发"
