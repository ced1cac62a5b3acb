"""How users read the archive's status values: one Chinese label table per status enum, shared by the
command line and the web pages (which said 已履行/已失效 and 按期完成/期满未行使 for the same deadline).

Each table covers its enum completely (tests/api/test_labels.py), so no raw value
such as ``met_late`` ever reaches a user.
"""

from __future__ import annotations

from anjuan.archive.procedure.deadlines import DeadlineStatus

__all__ = [
    "CASE_STATUS_ZH",
    "DEADLINE_STATUS_ZH",
    "DESK_STAGE_ZH",
    "DOCUMENT_STATUS_ZH",
    "INDEX_STATUS_ZH",
    "KIND_ZH",
    "PROCEDURE_ZH",
    "status_zh",
]

DOCUMENT_STATUS_ZH = {  # 文书状态 (archive/models.py Document.status)
    "draft": "草稿",
    "submitted": "审批中",
    "issued": "已签发",
    "voided": "已作废",
    "superseded": "已更正",
    "deleted": "已删除",
}
DESK_STAGE_ZH = {  # where the handler's own document stands (archive/views.py DeskDocument.stage)
    "draft": "草稿",
    "returned": "被退回",
    "waiting": "审批中",
    "to_issue": "待签发",
}
CASE_STATUS_ZH = {"open": "办理中", "closed": "已结案", "filed": "已归档"}  # 案件状态
INDEX_STATUS_ZH = {  # statuses only the search index gives: a case file before closing, evidence in a file
    "assembled": "已组卷",
    "active": "在卷",
}
DEADLINE_STATUS_ZH = {  # 程序时限 (archive/procedure/deadlines.py DeadlineStatus)
    DeadlineStatus.met.value: "按期完成",
    DeadlineStatus.met_late.value: "逾期完成",
    DeadlineStatus.pending.value: "未到期",
    DeadlineStatus.due_soon.value: "即将到期",
    DeadlineStatus.overdue.value: "已逾期",
    DeadlineStatus.lapsed.value: "期满未行使",
    DeadlineStatus.not_applicable.value: "不适用",
}
KIND_ZH = {"inspection": "检查", "penalty": "行政处罚"}
PROCEDURE_ZH = {"general": "一般程序", "simple": "简易程序"}

# The value sets do not overlap, so one lookup serves a page that shows any of them.
_ALL = {**DESK_STAGE_ZH, **DOCUMENT_STATUS_ZH, **CASE_STATUS_ZH, **INDEX_STATUS_ZH, **DEADLINE_STATUS_ZH}


def status_zh(value: object) -> str:
    """The Chinese label of any status value (the value itself if it is unknown)."""
    return _ALL.get(str(value), str(value))
