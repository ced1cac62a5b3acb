"""操作日志 as people read it (``archive.oplog``): the hash-chained event log listed with filters,
within the reader's scope, each entry in Chinese with its person and object, and the chain's status."""

from .service import ChainStatus, EventFilter, EventPage, EventRow, OpLogService, action_labels, entity_labels

__all__ = ["ChainStatus", "EventFilter", "EventPage", "EventRow", "OpLogService", "action_labels", "entity_labels"]
