"""Settings: one typed object, read once at start-up and passed down (never read at import time)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]


class Settings(BaseSettings):
    """All knobs of an anjuan installation; environment variables use the prefix ``ANJUAN_``."""

    model_config = SettingsConfigDict(env_prefix="ANJUAN_", env_file=".env", extra="ignore", frozen=True)

    data_dir: Path = Field(Path("./var"), description="数据目录: database file, blobs, logs")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default: SQLite file anjuan.db in the data directory"
    )
    converter_pool_size: int = Field(2, ge=1, le=16, description="warm LibreOffice instances")
    converter_timeout: float = Field(60.0, gt=0, description="seconds per conversion job")
    converter_retries: int = Field(1, ge=0, le=5, description="retries of a job after a worker failure")
    pdfa: bool = Field(False, description="render PDF/A-2b instead of plain PDF")
    index_on_change: bool = Field(
        True,
        description="a background indexer indexes each change as it commits (a server); off: the next search "
        "catches up from the event log (one-shot commands)",
    )
    numbered_draft_grace_minutes: float = Field(
        15.0,
        ge=0,
        description="a draft holding a number longer than this without being issued is listed as a hole "
        "to complete or void (文号已占用未签发)",
    )
    numbering_profile: str = Field(
        "default", description="numbering profile from numbering.yaml (一案一号 / per-family counters)"
    )
    catalogue_path: Path | None = Field(None, description="override of the packaged catalogue.yaml")
    clauses_path: Path | None = Field(None, description="override of the packaged clauses.yaml")
    numbering_path: Path | None = Field(None, description="override of the packaged numbering.yaml")
    gates_path: Path | None = Field(None, description="override of the packaged procedure gates (gates.yaml)")
    deadlines_path: Path | None = Field(None, description="override of the packaged deadline rules")
    enforce_gates: bool = Field(
        True, description="refuse documents whose procedural prerequisites are missing; off only to back-fill old cases"
    )
    pki_dir: Path | None = Field(None, description="key store directory; default: pki/ in the data directory")
    pki_passphrase: SecretStr | None = Field(
        None, description="passphrase that encrypts the private keys at rest (never stored in the repo)"
    )
    pades_level: Literal["B-B", "B-T", "B-LT", "B-LTA"] = Field(
        "B-B", description="PAdES level; B-T and above need tsa_url"
    )
    tsa_url: str | None = Field(None, description="RFC 3161 timestamp authority URL")
    trust_anchors: tuple[Path, ...] = Field((), description="extra trusted root certificates (PEM/DER) for verify")
    casefile_order_path: Path | None = Field(None, description="override of the packaged case-file order (order.yaml)")
    review_items_path: Path | None = Field(None, description="override of the packaged review items (items.yaml)")
    roles_path: Path | None = Field(None, description="override of the packaged roles and their rights (roles.yaml)")
    approvals_path: Path | None = Field(
        None, description="override of the packaged approval steps (procedure/approvals.yaml)"
    )
    changes_path: Path | None = Field(
        None, description="override of the packaged correction / void / deletion steps (procedure/changes.yaml)"
    )
    qc_queries_path: Path | None = Field(None, description="override of the packaged quality queries (qc/queries.yaml)")
    stats_tables_path: Path | None = Field(
        None, description="override of the packaged statistics tables (stats/tables.yaml)"
    )
    archive_checks_path: Path | None = Field(
        None, description="override of the packaged 四性检测 items (packaging/checks.yaml): names, natures, blocking"
    )
    casefile_stamp_position: Literal["top-outer", "top-right", "bottom-center", "bottom-outer"] = Field(
        "top-outer", description="where page numbers go: upper right of a recto, upper left of a verso by default"
    )
    casefile_number_front: bool = Field(False, description="also number the cover and 卷内目录")
    casefile_number_notes: bool = Field(False, description="also number the 卷内备考表")
    password_log2_n: int = Field(
        15, ge=10, le=20, description="scrypt cost of new password hashes (2^n); stored hashes keep their own"
    )
    token_ttl_hours: float = Field(12.0, gt=0, description="lifetime of a login token")
    index_workers: int = Field(2, ge=1, le=16, description="processes analysing text for a search-index rebuild")
    json_max_depth: int = Field(
        32,
        ge=4,
        le=500,
        description="deepest nesting of lists and objects a JSON request body may have (422 json_too_deep past it); "
        "the deepest real request (a document's table field) nests 4",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "INFO"

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'anjuan.db').resolve()}"

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"

    @property
    def key_dir(self) -> Path:
        return self.pki_dir or self.data_dir / "pki"

    @property
    def is_sqlite(self) -> bool:
        return self.db_url.startswith("sqlite")
