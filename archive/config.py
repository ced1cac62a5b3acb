"""Settings: one typed object, read once at start-up and passed down (never read at import time)."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
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
    login_throttle_after: int = Field(
        5, ge=1, le=1000, description="failed logins of one account before it must wait (登录失败限制)"
    )
    login_throttle_after_address: int = Field(
        20,
        ge=1,
        le=10000,
        description="failed logins from one client address (any account) before it must wait; higher than "
        "per account because an office shares one address",
    )
    login_throttle_base_seconds: float = Field(
        1.0, gt=0, description="the first wait after the limit; each further failure doubles it"
    )
    login_throttle_max_seconds: float = Field(900.0, gt=0, description="the longest wait (cap of the doubling)")
    login_throttle_forget_minutes: float = Field(
        60.0, gt=0, description="failures older than this (no failure since) are forgotten"
    )
    trusted_proxies: str = Field(
        "",
        description="comma-separated addresses or networks (CIDR) of reverse proxies whose X-Forwarded-For "
        "and X-Forwarded-Proto are believed; empty: the TCP peer is the client",
    )
    cookie_secure: Literal["auto", "true", "false"] = Field(
        "auto",
        description="the session cookie's Secure flag: auto = when the request came over https (behind a "
        "trusted proxy: X-Forwarded-Proto: https)",
    )
    index_workers: int = Field(2, ge=1, le=16, description="processes analysing text for a search-index rebuild")
    # -- size limits (issue 17): every refusal is a 413 naming its setting and the limit -----------
    body_max_bytes: int = Field(
        1 << 20,
        ge=1024,
        description="largest request body of a JSON API call or web form (bytes); uploads have their own",
    )
    upload_attachment_max_bytes: int = Field(
        50 << 20, ge=1024, description="largest evidence attachment (photo or scanned PDF) uploaded, in bytes"
    )
    upload_seal_max_bytes: int = Field(5 << 20, ge=1024, description="largest seal image uploaded, in bytes")
    upload_verify_max_bytes: int = Field(
        50 << 20, ge=1024, description="largest PDF handed to the public /verify, in bytes"
    )
    casefile_check_max_bytes: int = Field(
        100 << 20, ge=1024, description="largest case-file PDF handed to casefile check, in bytes"
    )
    casefile_check_max_pages: int = Field(
        2000, ge=1, description="most pages of a case-file PDF handed to casefile check (each page is rendered)"
    )
    image_max_pixels: int = Field(
        40_000_000,
        ge=10_000,
        description="most pixels (width × height) of an uploaded image, read from its header before decoding: "
        "a phone photo is 12–50 MP; a decoded pixel costs 3–4 bytes",
    )
    field_line_max_chars: int = Field(2000, ge=10, description="longest value of a one-line document field")
    field_text_max_chars: int = Field(
        20_000, ge=10, description="longest value of a multi-line document field (longtext, a list item, a table cell)"
    )
    field_list_max_items: int = Field(500, ge=1, description="most items of a list or rows of a table field")
    fields_total_max_chars: int = Field(
        100_000, ge=100, description="most characters of all of a document's field values together"
    )
    search_query_max_chars: int = Field(200, ge=10, description="longest search query, in characters")
    # -- bounded verification (issue 17): anyone may hand in a PDF to verify, without logging in ------
    verify_max_revisions: int = Field(
        64, ge=1, description="verify refuses a PDF with more revisions (incremental updates); ours have 2–5"
    )
    verify_max_objects: int = Field(200_000, ge=1, description="verify refuses a PDF declaring more objects")
    verify_max_signatures: int = Field(32, ge=1, description="verify refuses a PDF with more signatures")
    verify_timeout_seconds: float = Field(
        20.0, gt=0, description="wall-clock budget of one verification; past it its worker process is killed"
    )
    verify_workers: int = Field(
        2, ge=1, le=16, description="worker processes that verify PDFs (at most this many at once)"
    )
    verify_max_pending: int = Field(
        4,
        ge=1,
        description="public verifications (HTTP) running or waiting for a worker at once; more are answered 429",
    )
    public_rate_per_minute: float = Field(
        30.0, gt=0, description="requests per minute one client address may make to the endpoints that need no login"
    )
    public_rate_burst: int = Field(
        10, ge=1, description="requests one client address may make at once before the rate applies"
    )
    json_max_depth: int = Field(
        32,
        ge=4,
        le=500,
        description="deepest nesting of lists and objects a JSON request body may have (422 json_too_deep past it); "
        "the deepest real request (a document's table field) nests 4",
    )
    oplog_page_size: int = Field(50, ge=1, description="操作日志: entries per page when the reader names no limit")
    oplog_page_max: int = Field(
        200, ge=1, description="操作日志: most entries one page may ask for (422 limit_out_of_range past it)"
    )
    oplog_verify_batch: int = Field(
        100_000,
        ge=1,
        description="操作日志: most new chain entries one look at the log verifies (the rest on the next look)",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "INFO"

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, value: str) -> str:
        for part in value.split(","):
            if part.strip():
                ipaddress.ip_network(part.strip(), strict=False)  # ValueError names the bad entry
        return value

    @property
    def trusted_proxy_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        return tuple(
            ipaddress.ip_network(p.strip(), strict=False) for p in self.trusted_proxies.split(",") if p.strip()
        )

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
