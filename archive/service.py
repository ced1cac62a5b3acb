"""The composition root: the kernel and the services built on it, for the API and the CLI.

``api`` (HTTP, CLI, web) builds one :class:`Archive` and calls its services. Each service takes the
kernel (settings, database, blob store, rules, clock, converter, sealing, the change hook) and the
peer services it needs — never the Archive — and checks every call against the acting user's
rights and scope (``actor``, a :class:`~anjuan.archive.access.Principal`), logs every change, and
runs each step in its own transaction. Whatever lies outside the actor's scope answers "not found".
"""

from __future__ import annotations

from functools import cached_property

from anjuan.indexing.api import SearchBackend
from anjuan.templates.convert import Converter

from .accounts import AccountService
from .blobs import BlobStore
from .casefile.service import CaseFileService
from .clock import Clock
from .config import Settings
from .db import Database
from .documents.approval_service import ApprovalService
from .documents.change_service import ChangeService
from .documents.service import DocumentService
from .errors import IssueIncomplete, RenderFailed
from .kernel import Kernel
from .keys import KeyService
from .migrate import upgrade
from .oplog import OpLogService
from .packaging.service import PackagingService
from .procedure.service import ProcedureService
from .qc import QualityService
from .registry.service import RegistryService
from .review import ReviewService
from .search import SearchService
from .stats.service import StatsService
from .upkeep import UpkeepService

__all__ = ["Archive", "IssueIncomplete", "RenderFailed"]


class Archive:
    """Builds the kernel and one of each service; the services are its attributes:

    ============== ===================================================================
    ``accounts``   用户与登录: users, passwords, sessions, the acting principal
    ``registry``   机关、执法人员、当事人、案件
    ``documents``  执法文书: drafts, issuing (number → publish → record), previews, files
    ``approvals``  审核/审批 of documents before they are issued
    ``changes``    更改/作废/删除 of issued documents (seed 003 第七条)
    ``keys``       印章与签名密钥, seal images, verifying any copy
    ``procedure``  程序时限 of a case and what falls due
    ``casefiles``  卷宗: attachments, assembly, the reviewer's check of a volume, filing
    ``reviews``    案卷评查
    ``qc``         质量检查 queries and 公示
    ``stats``      执法统计 tables
    ``search``     全文检索 (follows every change the kernel announces)
    ``packaging``  归档信息包: export, 四性检测, import
    ``upkeep``     fixity, the event log's chain, clean-up
    ``oplog``      操作日志: the event log listed in the reader's scope, the chain's status
    ============== ===================================================================

    The services read their rule files on first use, so a command that needs none of them starts
    faster; a server reads them all at start-up (:meth:`check_rules`).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        converter: Converter | None = None,
        blobs: BlobStore | None = None,
        db: Database | None = None,
        search_backend: SearchBackend | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.kernel = kernel = Kernel(settings, db=db, blobs=blobs, converter=converter, clock=clock)
        self.search = SearchService(kernel, search_backend)
        kernel.on_change(self.search.after_change)
        self.accounts = AccountService(kernel)
        self.registry = RegistryService(kernel)
        self.procedure = ProcedureService(kernel)
        self.keys = KeyService(kernel)
        self.packaging = PackagingService(kernel)
        self.upkeep = UpkeepService(kernel)
        self.oplog = OpLogService(kernel)

    @cached_property
    def casefiles(self) -> CaseFileService:
        return CaseFileService(self.kernel)

    @cached_property
    def documents(self) -> DocumentService:
        return DocumentService(self.kernel, casefiles=self.casefiles)

    @cached_property
    def approvals(self) -> ApprovalService:
        return ApprovalService(self.kernel, casefiles=self.casefiles)

    @cached_property
    def changes(self) -> ChangeService:
        return ChangeService(self.kernel, casefiles=self.casefiles, documents=self.documents)

    @cached_property
    def reviews(self) -> ReviewService:
        return ReviewService(self.kernel, casefiles=self.casefiles, procedure=self.procedure)

    @cached_property
    def qc(self) -> QualityService:
        return QualityService(self.kernel)

    @cached_property
    def stats(self) -> StatsService:
        return StatsService(self.kernel)

    def check_rules(self) -> None:
        """Read and validate every rule file now (a server at start-up): a bad file fails here."""
        self.kernel.rules.check()
        for name in ("casefiles", "documents", "approvals", "changes", "reviews", "qc", "stats"):
            getattr(self, name)

    def migrate(self) -> None:
        upgrade(self.kernel.db)

    def close(self) -> None:
        self.search.close()
        self.kernel.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
