"""Every rule file of the archive, read once, on first use, from the paths in :class:`Settings`.

The domain rules are data (``catalogue.yaml``, ``gates.yaml``, ``deadlines.yaml``, ``order.yaml``,
``items.yaml``, ``queries.yaml``, ``tables.yaml`` …), each with its loader beside the code that
applies it. :class:`Rules` is the one place that knows which file is read from which setting: a
command that needs none of the rules pays for none, a server reads them all at start-up
(:meth:`Rules.check`), and a deployment overrides any of them the same way (``ANJUAN_*_PATH``).
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from .catalogue import Catalogue, ClauseSet, FormSpec, load_catalogue, load_clauses, resolve_form
from .config import Settings
from .errors import ArchiveError
from .numbering import NumberingProfile, load_profiles

if TYPE_CHECKING:
    from .access import RoleRules
    from .casefile.order import OrderRules
    from .documents.approvals import ApprovalRules
    from .documents.changes import ChangeRules
    from .packaging.checks import CheckItem
    from .procedure import RuleSet, WorkingCalendar
    from .procedure.gates import GateRules
    from .qc.queries import QcQueries
    from .review.engine import ReviewRules
    from .stats.report import StatsTables

__all__ = ["Rules"]


class Rules:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # The catalogue and the numbering profile are read now: nearly every command needs them,
        # and a wrong profile name should stop start-up.
        self.catalogue: Catalogue = load_catalogue(settings.catalogue_path)
        profiles = load_profiles(settings.numbering_path)
        if settings.numbering_profile not in profiles:
            raise ArchiveError(
                f"编号方案“{settings.numbering_profile}”不存在",
                f"unknown numbering profile {settings.numbering_profile}",
                code="unknown_numbering_profile",
                details={"profiles": sorted(profiles)},
            )
        self.profile: NumberingProfile = profiles[settings.numbering_profile]

    def form(self, key: str) -> FormSpec:
        """A form of the catalogue by id, code or name (unknown ones raise NotFound)."""
        return resolve_form(self.catalogue, key)

    @cached_property
    def clauses(self) -> ClauseSet:  # 法律条款 and when each was in force
        return load_clauses(self.settings.clauses_path)

    @cached_property
    def gates(self) -> GateRules:  # 程序关口: what must exist before a document takes a number
        from .procedure.gates import load_gates
        from .procedure.service_dates import check_same_receipts

        gates = load_gates(self.settings.gates_path, catalogue=self.catalogue)
        # Both files describe the 送达回执 table (each stays whole, overridable on its own): a pair
        # that reads it differently would let a gate and a deadline date one service differently.
        files = (str(self.settings.gates_path or "gates.yaml"), str(self.settings.deadlines_path or "deadlines.yaml"))
        check_same_receipts(gates.service, self.deadlines.services, files=files)
        return gates

    @cached_property
    def deadlines(self) -> RuleSet:  # 期限
        from .procedure import load_rules

        return load_rules(self.settings.deadlines_path, catalogue=self.catalogue)

    @cached_property
    def calendar(self) -> WorkingCalendar:
        # Gates need an answer for any date: years the holiday data does not cover yet count Mon–Fri
        # (deadlines computed on such years are flagged provisional by the deadline engine).
        from .procedure import calendar_for

        return calendar_for(self.deadlines)

    @cached_property
    def casefile_order(self) -> OrderRules:  # 卷内文件排列顺序
        from .casefile.order import load_order

        return load_order(self.settings.casefile_order_path)

    @cached_property
    def review_items(self) -> ReviewRules:  # 案卷评查 items
        from .review.engine import load_review_rules

        return load_review_rules(self.settings.review_items_path)

    @cached_property
    def qc_queries(self) -> QcQueries:  # 质量检查 saved queries
        from .qc.queries import load_queries

        return load_queries(self.settings.qc_queries_path)

    @cached_property
    def stats_tables(self) -> StatsTables:  # 执法统计 table specs
        from .stats.report import load_tables

        return load_tables(self.settings.stats_tables_path)

    @cached_property
    def roles(self) -> RoleRules:  # 角色 and what each may do
        from .access import load_roles

        return load_roles(self.settings.roles_path)

    @cached_property
    def approvals(self) -> ApprovalRules:  # 审核 / 审批 steps and who takes them
        from .documents.approvals import load_approval_rules

        return load_approval_rules(self.settings.approvals_path)

    @cached_property
    def changes(self) -> ChangeRules:  # 更正 / 作废 steps
        from .documents.changes import load_change_rules

        return load_change_rules(self.settings.changes_path)

    @cached_property
    def archive_checks(self) -> tuple[CheckItem, ...]:  # 四性检测 items
        from .packaging.checks import load_checks

        return load_checks(self.settings.archive_checks_path)

    def check(self) -> None:
        """Read and validate every rule file now (a server at start-up): a bad file fails here."""
        for name in (
            "clauses",
            "gates",
            "deadlines",
            "calendar",
            "casefile_order",
            "review_items",
            "qc_queries",
            "stats_tables",
            "roles",
            "approvals",
            "changes",
            "archive_checks",
        ):
            getattr(self, name)
