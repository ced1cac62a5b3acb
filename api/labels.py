"""How users read the archive's status values, for the command line and the web pages: views of the
one label table (anjuan/statuses.yaml, read by :func:`anjuan.display.status`), which the PDFs use too.

Each table covers its enum completely (tests/api/test_labels.py), so no raw value
such as ``met_late`` ever reaches a user.
"""

from __future__ import annotations

from anjuan.display import status, status_table

__all__ = [
    "CASE_STATUS_ZH",
    "DEADLINE_STATUS_ZH",
    "DESK_STAGE_ZH",
    "DOCUMENT_STATUS_ZH",
    "INDEX_STATUS_ZH",
    "KIND_ZH",
    "PROCEDURE_ZH",
    "status",
    "status_zh",
]

_TABLE = status_table()
DOCUMENT_STATUS_ZH = _TABLE["document"]  # 文书状态 (archive/models.py Document.status)
CASE_STATUS_ZH = _TABLE["case"]  # 案件状态
INDEX_STATUS_ZH = _TABLE["index"]  # statuses only the search index gives
DEADLINE_STATUS_ZH = _TABLE["deadline"]  # 程序时限 (archive/procedure/deadlines.py DeadlineStatus)
KIND_ZH = _TABLE["case_kind"]
PROCEDURE_ZH = _TABLE["procedure"]
DESK_STAGE_ZH = _TABLE["desk"]  # where the handler's own document stands (DeskDocument.stage)

# The value sets do not overlap, so one lookup serves a page that shows any of them.
_ALL = {**DESK_STAGE_ZH, **DOCUMENT_STATUS_ZH, **CASE_STATUS_ZH, **INDEX_STATUS_ZH, **DEADLINE_STATUS_ZH}


def status_zh(value: object) -> str:
    """The Chinese label of any document, case, index or deadline status (the value itself if it is
    unknown); a page that knows the kind says ``status(kind, value)``."""
    raw = getattr(value, "value", value)
    return _ALL.get(str(raw), str(raw))
