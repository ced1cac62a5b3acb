"""Seal and signing keys, seal images, and checking a copy (``archive.keys``).

The development PKI is made here on request (``pki_init``); a bureau's own certificates come in as
PKCS#12 files or stay on a PKCS#11 token. Key material lives in the signing layer's key store
(``settings.key_dir``), never in the database; each change is logged.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from anjuan.signing import ORG_UNIT_BY_ROLE, SealRole, SigningError

from . import events, registry
from .access import Principal, require, require_org
from .config import Settings
from .errors import ArchiveError, FieldError, TooManyRequests, ValidationFailed
from .kernel import Kernel
from .limits import check_image_pixels, check_upload
from .views import KeyInfo, KeyStoreSummary, Verification, View

__all__ = ["CopyCheck", "KeyService", "TrustRootInfo", "archive_configured", "verify_copy"]


class TrustRootInfo(View):
    """A root certificate a copy was checked against, and where it came from."""

    source: str  # the file it was read from (``--trust``, ANJUAN_TRUST_ANCHORS, the archive's key store)
    own: bool  # the archive's own root (its key store)
    subject: str
    sha256: str  # of the DER certificate: SignatureCheck.trust_root_sha256 names the one that vouched


class CopyCheck(View):
    """``anjuan verify`` of a copy anywhere: the signatures against every root given, then — apart —
    what the configured archive knows of the file (``archive``: ``not_configured`` when there is
    none, ``unavailable`` when it could not be asked, ``checked`` otherwise)."""

    verification: Verification
    roots: tuple[TrustRootInfo, ...]
    archive: Literal["not_configured", "unavailable", "checked"]
    archive_location: str  # the data directory or database asked (or that would be)
    archive_error: str = ""  # why it could not be asked (Chinese)

    @property
    def ok(self) -> bool:
        """Every signature intact, valid and trusted, and the archive (if asked) does not say the
        document was voided, superseded or deleted: ``anjuan verify``'s exit status 0."""
        return self.verification.signatures_ok and not (
            self.verification.document is not None and self.verification.document.status != "issued"
        )


def archive_configured(settings: Settings) -> bool:
    """Whether an archive is there to ask: a database URL is set, or the data directory holds the
    SQLite file. A check of a copy must not create an archive where there is none (the default data
    directory is ./var, wherever the command runs)."""
    return bool(settings.database_url) or (settings.data_dir / "anjuan.db").is_file()


def _roots(settings: Settings, trust: Sequence[Path]) -> list[tuple[TrustRootInfo, bytes]]:
    from anjuan.signing.keystore import KeyStore
    from anjuan.signing.pki import load_certificates

    found: list[tuple[str, bool, bytes]] = []
    own = KeyStore.public_root_certificate(settings.key_dir)  # read, never created
    if own is not None:
        found.append((str(settings.key_dir), True, own))
    for path in (*settings.trust_anchors, *trust):
        try:
            found.append((str(path), False, Path(path).read_bytes()))
        except OSError as exc:
            raise ArchiveError(
                f"无法读取信任根证书文件：{path}",
                f"cannot read the trusted root certificate {path}: {exc.strerror or exc}",
                code="bad_trust_root",
                details={"file": str(path)},
            ) from exc
    roots: list[tuple[TrustRootInfo, bytes]] = []
    for source, is_own, data in found:
        try:
            certs = load_certificates(data)
        except SigningError as exc:
            raise ArchiveError(
                f"信任根证书文件无法解析（应为PEM或DER证书）：{source}",
                f"not a PEM or DER certificate: {source}",
                code="bad_trust_root",
                details={"file": source},
            ) from exc
        for cert in certs:
            der = cert.dump()
            subject = cert.subject.native.get("common_name") or cert.subject.human_friendly
            info = TrustRootInfo(source=source, own=is_own, subject=subject, sha256=hashlib.sha256(der).hexdigest())
            roots.append((info, der))
    return roots


def verify_copy(settings: Settings, pdf: bytes, *, trust: Sequence[Path] = ()) -> CopyCheck:
    """Check a copy anywhere (``anjuan verify``): its signatures against the archive's own root (when
    its key store is there), ``settings.trust_anchors`` and ``trust`` — bounded as the public /verify
    is — and then, separately, ask the configured archive whether it issued the file. Without an
    archive nothing is created and nobody is asked; an archive that cannot be asked is said so."""
    from sqlalchemy.exc import SQLAlchemyError

    from .db import Database, translate_failure
    from .sealing import check_signatures, verification_of

    roots = _roots(settings, trust)
    report = check_signatures(settings, pdf, [der for _info, der in roots])
    infos = tuple(info for info, _der in roots)
    location = "ANJUAN_DATABASE_URL" if settings.database_url else str(settings.data_dir)
    if not archive_configured(settings):
        return CopyCheck(
            verification=verification_of(report, pdf, None),
            roots=infos,
            archive="not_configured",
            archive_location=location,
        )
    database = Database(settings.db_url)
    try:
        with database.read() as session:
            verification = verification_of(report, pdf, session)
    except (ArchiveError, SQLAlchemyError) as exc:
        failure = exc if isinstance(exc, ArchiveError) else translate_failure(exc)
        reason = failure.message_zh if failure is not None else f"数据库无法读取（{exc.__class__.__name__}）"
        return CopyCheck(
            verification=verification_of(report, pdf, None),
            roots=infos,
            archive="unavailable",
            archive_location=location,
            archive_error=reason,
        )
    finally:
        database.dispose()
    return CopyCheck(verification=verification, roots=infos, archive="checked", archive_location=location)


def _seal_role(role: str) -> str:
    role = {"机关印章": "organ", "公章": "organ", "行政执法专用章": "enforcement", "执法章": "enforcement"}.get(
        role, role
    )
    if role not in ("organ", "enforcement"):
        raise ValidationFailed(
            [
                FieldError(
                    "role",
                    "印章类型",
                    "seal type",
                    "应为机关印章或行政执法专用章",
                    "must be organ (机关印章) or enforcement (行政执法专用章)",
                )
            ]
        )
    return role


class KeyService:
    """印章与签名密钥 (``archive.keys``): who may manage keys is ``manage_keys`` in roles.yaml, within
    their organisations; anyone may verify a copy."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        # Public verifications in flight (running or waiting for a worker process): each holds a
        # server thread while it waits, so past this many the next caller is told to come back
        # instead of taking another thread (a flood must not occupy every thread of the server).
        self._public = threading.BoundedSemaphore(kernel.settings.verify_max_pending)

    def verify(self, pdf: bytes) -> Verification:
        """Anyone may check a copy they were handed (no login): the answer names only what the PDF shows."""
        return self.kernel.verify(pdf)

    @contextmanager
    def public_slot(self) -> Iterator[None]:
        """Hold one of ``verify_max_pending`` places for a verification asked for without a login;
        none free → :class:`TooManyRequests` ``verify_busy`` (HTTP 429, ``Retry-After``) at once."""
        if not self._public.acquire(blocking=False):
            limit = self.kernel.settings.verify_max_pending
            raise TooManyRequests(
                f"正在进行的验证已达上限（{limit}），请稍后重试",
                f"{limit} verifications are already in progress; try again shortly",
                retry_after=5,
                code="verify_busy",
                details={"limit": limit, "setting": "verify_max_pending"},
            )
        try:
            yield
        finally:
            self._public.release()

    def pki_init(self, *, actor: Principal) -> KeyStoreSummary:
        """Root, organisation seal keys (机关印章 and 行政执法专用章), officer keys and seal images —
        created where missing, never replaced (the development PKI; production imports its own)."""
        require(actor, "manage_keys")
        keys: list[KeyInfo] = []
        with self.kernel.db.read() as s:
            orgs = [(o.id, o.name) for o in registry.list_orgs(s) if actor.sees_org(o.id)]
            officers = [
                (o.id, o.name, o.cert_no, o.org.name) for o in registry.list_officers(s) if actor.sees_org(o.org_id)
            ]
        for org_id, name in orgs:
            for role in ("organ", "enforcement"):
                key = self.kernel.sealing.org_key(org_id, name, role)
                self.kernel.sealing.seal_image(self.kernel.db.write, org_id, name, role)
                keys.append(KeyInfo(key=f"org-{org_id}-{role}", label=key.label, role=role))
        for officer_id, name, cert_no, org_name in officers:
            key = self.kernel.sealing.officer_key(officer_id, name, cert_no, org_name)
            keys.append(KeyInfo(key=f"officer-{officer_id}", label=key.label, role="officer"))
        with self.kernel.db.write() as s:
            events.record(s, actor=actor.name, entity="pki", entity_id=0, action="pki_initialised", keys=len(keys))
        return KeyStoreSummary(
            directory=str(self.kernel.settings.key_dir.resolve()),
            keys=tuple(keys),
            root_certificate=self.kernel.sealing.root_certificate_pem().decode("ascii"),
        )

    def _key_owner(self, actor: Principal, owner: str, owner_id: int, role: str | None) -> tuple[str, str, str]:
        """(key id, label, role) of an organisation seal or an officer's signing key."""
        require(actor, "manage_keys")
        with self.kernel.db.read() as s:
            if owner == "officer":
                officer = registry.get_officer(s, owner_id)
                require_org(s, actor, officer.org_id)
                return f"officer-{officer.id}", f"{officer.name} {officer.cert_no}", "officer"
            org = require_org(s, actor, owner_id)
            seal = _seal_role(role or "organ")
            return f"org-{org.id}-{seal}", f"{org.name} {ORG_UNIT_BY_ROLE[SealRole(seal)]}", seal

    def import_pkcs12(
        self,
        *,
        actor: Principal,
        owner: str,
        owner_id: int,
        role: str | None,
        data: bytes,
        passphrase: bytes,
        replace: bool = False,
    ) -> KeyInfo:
        """Use a bureau's own certificate (PKCS#12) instead of the development one."""
        key_id, label, seal = self._key_owner(actor, owner, owner_id, role)
        try:
            handle = self.kernel.sealing.keystore.import_pkcs12(
                key_id, data, passphrase, SealRole(seal), label, replace=replace
            )
        except SigningError as exc:
            raise ArchiveError(exc.message_zh, exc.message_en, code=exc.code) from exc
        with self.kernel.db.write() as s:
            events.record(s, actor=actor.name, entity="pki", entity_id=owner_id, action="pkcs12_imported", key=key_id)
        return KeyInfo(key=key_id, label=handle.label, role=seal)

    def register_pkcs11(
        self,
        *,
        actor: Principal,
        owner: str,
        owner_id: int,
        role: str | None,
        lib: str,
        token_label: str,
        key_label: str,
        pin_env_var: str,
        replace: bool = False,
    ) -> KeyInfo:
        """Sign with a key that stays on a PKCS#11 token/HSM; the PIN is read from ``pin_env_var``."""
        key_id, label, seal = self._key_owner(actor, owner, owner_id, role)
        try:
            self.kernel.sealing.keystore.register_pkcs11(
                key_id, lib, token_label, key_label, pin_env_var, SealRole(seal), label, replace=replace
            )
        except SigningError as exc:
            raise ArchiveError(exc.message_zh, exc.message_en, code=exc.code) from exc
        with self.kernel.db.write() as s:
            events.record(
                s,
                actor=actor.name,
                entity="pki",
                entity_id=owner_id,
                action="pkcs11_registered",
                key=key_id,
                token=token_label,
                key_label=key_label,
            )
        return KeyInfo(key=key_id, label=label, role=seal)

    def list_keys(self, *, actor: Principal) -> list[KeyInfo]:
        require(actor, "manage_keys")
        return [
            KeyInfo(
                key=k.key_id,
                label=k.label,
                role=str(k.role),
                subject=k.subject,
                not_after=k.not_after,
                source=str(k.source),
            )
            for k in self.kernel.sealing.keystore.list()
        ]

    def seal_image(self, *, actor: Principal, org_id: int, role: str) -> bytes:
        with self.kernel.db.read() as s:
            org = require_org(s, actor, org_id)
            name = org.name
        return self.kernel.sealing.seal_image(self.kernel.db.write, org_id, name, _seal_role(role))

    def upload_seal_image(self, *, actor: Principal, org_id: int, role: str, data: bytes) -> str:
        require(actor, "manage_keys")
        check_upload(self.kernel.settings, "seal", len(data))
        check_image_pixels(self.kernel.settings, data)
        with self.kernel.db.write() as s:
            require_org(s, actor, org_id)
            return self.kernel.sealing.upload_seal_image(
                s, actor=actor.name, org_id=org_id, role=_seal_role(role), data=data
            )
