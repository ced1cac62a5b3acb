"""KeyStore (密钥库): the development/production store of signing keys on disk.

One directory, one passphrase (from settings — never from code or the repository)::

    root.key.pem          the development root's private key (encrypted PKCS#8, 0600)
    root.cert.pem         the development root certificate
    <key_id>.key.pem      a seal's or officer's private key (encrypted PKCS#8 under the store passphrase, 0600)
    <key_id>.cert.pem     its certificate, followed by the issuer chain (root last)
    <key_id>.json         label, role and source (generated / pkcs12 / pkcs11); for PKCS#11 the token
                          and key labels and the NAME of the environment variable holding the PIN

Key ids are chosen by the caller and stable (``org-2-organ``, ``officer-5``). Keys are decrypted once
and kept in memory as :class:`~.api.KeyHandle`; all methods are thread-safe. Files are written
atomically (temporary file + rename), so a crash never leaves half a key behind.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization

from .api import KeyHandle, SealRole
from .errors import BadPassphrase, CertificateError, KeyStoreError, SigningError
from .pki import (
    DEV_ROOT_COMMON_NAME,
    ORG_UNIT_BY_ROLE,
    CertifiedKey,
    KeyType,
    PrivateKey,
    certificate_pem,
    check_key_type,
    create_root_ca,
    generate_private_key,
    issue_certificate,
    load_certificates,
    load_pkcs12_key,
    pkcs11_key,
    subject_rfc4514,
)

__all__ = ["KEY_ID_PATTERN", "KeyInfo", "KeySource", "KeyStore"]

KeySource = Literal["generated", "pkcs12", "pkcs11"]

# Lower-case letters, digits, "-" and "_": safe as a file name everywhere, no path tricks ("..", "/").
KEY_ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_ENV_VAR_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")
_ROOT = "root"  # reserved key id: the development root


@dataclass(frozen=True)
class KeyInfo:
    """One stored key, as ``anjuan pki list`` shows it."""

    key_id: str
    label: str
    role: SealRole
    subject: str  # RFC 4514; "" for a PKCS#11 key never loaded on this machine
    not_after: dt.datetime | None
    source: KeySource


class KeyStore:
    """Keys and certificates under ``directory``, private keys encrypted with ``passphrase``.

    ``allow_ecdsa``: accept ECDSA keys (refused by default: pyHanko marks ECDSA-signed files as PDF 2.0,
    which breaks PDF/A-2b)."""

    def __init__(self, directory: Path, passphrase: bytes, *, allow_ecdsa: bool = False) -> None:
        if not passphrase:
            raise KeyStoreError(
                "未配置密钥库口令（私钥须加密保存）",
                "no key store passphrase configured (private keys are stored encrypted)",
                code="no_passphrase",
                details={"directory": str(directory)},
            )
        self.directory = Path(directory)
        self._passphrase = passphrase
        self.allow_ecdsa = allow_ecdsa
        self._lock = threading.RLock()
        self._handles: dict[str, KeyHandle] = {}
        self._root: CertifiedKey | None = None

    def __repr__(self) -> str:  # never the passphrase
        return f"KeyStore({str(self.directory)!r})"

    # --- the development root ----------------------------------------------------------------------

    def init_root(self, common_name: str = DEV_ROOT_COMMON_NAME) -> asn1_x509.Certificate:
        """Create the development root CA, or load the existing one (never replaced)."""
        return self._root_key(create=True, common_name=common_name).certificate

    def root_certificate_pem(self) -> bytes:
        path = self._path(_ROOT, "cert.pem")
        if not path.exists():
            raise KeyStoreError(
                "密钥库中尚无根证书（请先执行 anjuan pki init）",
                "the key store has no root certificate yet (run anjuan pki init)",
                code="key_not_found",
                details={"key_id": _ROOT, "directory": str(self.directory)},
            )
        return path.read_bytes()

    def _root_key(self, *, create: bool, common_name: str = DEV_ROOT_COMMON_NAME) -> CertifiedKey:
        with self._lock:
            if self._root is not None:
                return self._root
            key_path, cert_path = self._path(_ROOT, "key.pem"), self._path(_ROOT, "cert.pem")
            if key_path.exists() and cert_path.exists():
                self._root = CertifiedKey(self._load_key(_ROOT), load_certificates(cert_path.read_bytes())[0])
            elif key_path.exists() or cert_path.exists():  # half a root: never replace it silently
                raise KeyStoreError(
                    "密钥库中的根证书不完整（缺少私钥或证书文件），请人工检查",
                    "the key store's root is incomplete (key or certificate file missing); check it by hand",
                    code="keystore_error",
                    details={"directory": str(self.directory), "key": key_path.exists(), "cert": cert_path.exists()},
                )
            elif create:
                self._root = create_root_ca(common_name)
                self._store_key(_ROOT, self._root)
            else:
                raise KeyStoreError(
                    "密钥库中尚无根证书私钥，无法签发证书（请先执行 anjuan pki init）",
                    "the key store has no root key to issue certificates with (run anjuan pki init)",
                    code="key_not_found",
                    details={"key_id": _ROOT, "directory": str(self.directory)},
                )
            return self._root

    def check_passphrase(self) -> None:
        """Decrypt one stored key now (at start-up), so that a wrong passphrase fails early."""
        with self._lock:
            for key_file in sorted(self.directory.glob("*.key.pem")):
                self._load_key(key_file.name.removesuffix(".key.pem"))
                return

    # --- keys --------------------------------------------------------------------------------------

    def ensure(
        self,
        key_id: str,
        *,
        common_name: str,
        org_name: str,
        role: SealRole,
        serial_number: str | None = None,
        key_type: KeyType = "rsa",
        label: str | None = None,
    ) -> KeyHandle:
        """The key ``key_id``: generated and certified by the development root on first call (creating the
        root if needed), loaded afterwards. The stored key wins: later calls do not re-issue it."""
        _check_key_id(key_id)
        with self._lock:
            if key_id in self._handles or self._path(key_id, "json").exists():
                handle = self.get(key_id)
                if handle.role is not role:
                    raise KeyStoreError(
                        f"密钥“{key_id}”已存在，但用途为“{ORG_UNIT_BY_ROLE[handle.role]}”而非“{ORG_UNIT_BY_ROLE[role]}”",
                        f"key {key_id!r} exists with role {handle.role.value}, not {role.value}",
                        code="key_conflict",
                        details={"key_id": key_id, "stored_role": handle.role.value, "role": role.value},
                    )
                return handle
            root = self._root_key(create=True)
            private_key = generate_private_key(key_type, allow_ecdsa=self.allow_ecdsa)
            issued = issue_certificate(
                root,
                role=role,
                common_name=common_name,
                org_name=org_name,
                serial_number=serial_number,
                private_key=private_key,
                allow_ecdsa=self.allow_ecdsa,
            )
            label = label or _default_label(role, common_name, serial_number)
            self._store_key(key_id, issued)
            self._write_meta(key_id, {"label": label, "role": role.value, "source": "generated"})
            handle = issued.to_handle(label, role)
            self._handles[key_id] = handle
            return handle

    def get(self, key_id: str) -> KeyHandle:
        """A stored key (decrypted once, then from memory); ``key_not_found`` if there is none."""
        _check_key_id(key_id)
        with self._lock:
            handle = self._handles.get(key_id)
            if handle is None:
                handle = self._load_handle(key_id)
                self._handles[key_id] = handle
            return handle

    def import_pkcs12(
        self,
        key_id: str,
        data: bytes,
        passphrase: bytes,
        role: SealRole,
        label: str,
        *,
        replace: bool = False,
    ) -> KeyHandle:
        """Store a bureau's own PKCS#12 key (re-encrypted under the store passphrase) with its chain."""
        _check_key_id(key_id)
        imported = load_pkcs12_key(data, passphrase, allow_ecdsa=self.allow_ecdsa)
        with self._lock:
            self._refuse_existing(key_id, replace)
            self._store_key(key_id, imported)
            self._write_meta(key_id, {"label": label, "role": role.value, "source": "pkcs12"})
            handle = imported.to_handle(label, role)
            self._handles[key_id] = handle
            return handle

    def register_pkcs11(
        self,
        key_id: str,
        lib: str,
        token_label: str,
        key_label: str,
        pin_env_var: str,
        role: SealRole,
        label: str,
        *,
        cert_label: str | None = None,
        replace: bool = False,
        verify: bool = True,
    ) -> None:
        """Register a key on a PKCS#11 token. Only the NAME of the environment variable holding the PIN is
        stored; the PIN is read from it whenever the key is loaded. With ``verify`` (default) the key is
        loaded now, so that a wrong library, label or PIN fails at registration."""
        _check_key_id(key_id)
        if not _ENV_VAR_PATTERN.fullmatch(pin_env_var):
            raise KeyStoreError(
                f"环境变量名“{pin_env_var}”无效",
                f"invalid environment variable name {pin_env_var!r}",
                code="keystore_error",
                details={"pin_env_var": pin_env_var},
            )
        meta = {
            "label": label,
            "role": role.value,
            "source": "pkcs11",
            "lib": lib,
            "token_label": token_label,
            "key_label": key_label,
            "cert_label": cert_label,
            "pin_env_var": pin_env_var,
        }
        with self._lock:
            self._refuse_existing(key_id, replace)
            self._write_meta(key_id, meta)
            if verify:
                try:
                    self.get(key_id)
                except SigningError:
                    self._path(key_id, "json").unlink(missing_ok=True)
                    raise

    def list(self) -> list[KeyInfo]:
        """Every stored key (not the root), sorted by key id."""
        infos = []
        with self._lock:
            for meta_path in sorted(self.directory.glob("*.json")):
                key_id = meta_path.name.removesuffix(".json")
                if not KEY_ID_PATTERN.fullmatch(key_id):
                    continue
                meta = self._read_meta(key_id)
                cert_path = self._path(key_id, "cert.pem")
                subject, not_after = "", None
                if cert_path.exists():
                    cert = load_certificates(cert_path.read_bytes())[0]
                    subject, not_after = subject_rfc4514(cert), cert.not_valid_after
                infos.append(
                    KeyInfo(
                        key_id=key_id,
                        label=meta["label"],
                        role=SealRole(meta["role"]),
                        subject=subject,
                        not_after=not_after,
                        source=meta["source"],
                    )
                )
        return infos

    def close(self) -> None:
        """Forget the decrypted keys and close PKCS#11 sessions."""
        with self._lock:
            for handle in self._handles.values():
                session = getattr(handle.signer, "pkcs11_session", None)
                if session is not None:
                    session.close()
            self._handles.clear()
            self._root = None

    # --- loading -----------------------------------------------------------------------------------

    def _load_handle(self, key_id: str) -> KeyHandle:
        meta = self._read_meta(key_id)
        role = SealRole(meta["role"])
        if meta["source"] == "pkcs11":
            return self._load_pkcs11(key_id, meta, role)
        private_key = self._load_key(key_id)
        certs = load_certificates(self._path(key_id, "cert.pem").read_bytes())
        check_key_type(private_key, allow_ecdsa=self.allow_ecdsa)
        return CertifiedKey(private_key, certs[0], tuple(certs[1:])).to_handle(meta["label"], role)

    def _load_pkcs11(self, key_id: str, meta: dict[str, Any], role: SealRole) -> KeyHandle:
        pin = os.environ.get(meta["pin_env_var"])
        if not pin:
            raise KeyStoreError(
                f"未设置环境变量 {meta['pin_env_var']}（PKCS#11 令牌“{meta['token_label']}”的 PIN）",
                f"environment variable {meta['pin_env_var']} (PIN of PKCS#11 token {meta['token_label']!r}) is not set",
                code="pin_missing",
                details={"key_id": key_id, "pin_env_var": meta["pin_env_var"]},
            )
        handle = pkcs11_key(
            meta["lib"],
            meta["token_label"],
            pin,
            meta["key_label"],
            label=meta["label"],
            role=role,
            cert_label=meta.get("cert_label"),
            allow_ecdsa=self.allow_ecdsa,
        )
        # Keep a copy of the token's certificate, so that list() can show it without opening the token.
        cert_path = self._path(key_id, "cert.pem")
        pem = certificate_pem(handle.certificate)
        if not cert_path.exists() or cert_path.read_bytes() != pem:
            _write_atomic(cert_path, pem, 0o644)
        return handle

    def _load_key(self, key_id: str) -> PrivateKey:
        path = self._path(key_id, "key.pem")
        try:
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise _not_found(key_id, self.directory) from exc
        try:
            key = serialization.load_pem_private_key(data, password=self._passphrase)
        except (ValueError, TypeError) as exc:
            # cryptography raises ValueError("Bad decrypt…") for a wrong passphrase, TypeError for an
            # unencrypted file; a store key must be encrypted, so both mean "cannot open with this".
            raise BadPassphrase(
                f"密钥库口令错误，无法解密私钥“{key_id}”（请检查设置中的密钥库口令）",
                f"wrong key store passphrase: cannot decrypt private key {key_id!r} (check the passphrase in the"
                " settings)",
                details={"key_id": key_id, "directory": str(self.directory)},
            ) from exc
        if not isinstance(key, PrivateKey):
            raise CertificateError(
                f"私钥“{key_id}”的类型不受支持",
                f"private key {key_id!r} is of an unsupported type",
                code="unsupported_key",
                details={"key_id": key_id, "type": type(key).__name__},
            )
        return key

    def _read_meta(self, key_id: str) -> dict[str, Any]:
        try:
            meta = json.loads(self._path(key_id, "json").read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise _not_found(key_id, self.directory) from exc
        except (ValueError, OSError) as exc:
            raise KeyStoreError(
                f"密钥“{key_id}”的描述文件损坏：{exc}",
                f"descriptor of key {key_id!r} is damaged: {exc}",
                code="keystore_error",
                details={"key_id": key_id},
            ) from exc
        if meta.get("source") not in ("generated", "pkcs12", "pkcs11") or meta.get("role") not in set(SealRole):
            raise KeyStoreError(
                f"密钥“{key_id}”的描述文件无效",
                f"descriptor of key {key_id!r} is invalid",
                code="keystore_error",
                details={"key_id": key_id},
            )
        return meta

    # --- writing -----------------------------------------------------------------------------------

    def _refuse_existing(self, key_id: str, replace: bool) -> None:
        if self._path(key_id, "json").exists() or key_id in self._handles:
            if not replace:
                raise KeyStoreError(
                    f"密钥“{key_id}”已存在",
                    f"key {key_id!r} already exists (pass replace=True to replace it)",
                    code="key_exists",
                    details={"key_id": key_id},
                )
            handle = self._handles.pop(key_id, None)
            session = getattr(handle.signer, "pkcs11_session", None) if handle else None
            if session is not None:
                session.close()
            for suffix in ("key.pem", "cert.pem"):
                self._path(key_id, suffix).unlink(missing_ok=True)

    def _store_key(self, key_id: str, key: CertifiedKey) -> None:
        self._mkdir()
        encrypted = key.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(self._passphrase),
        )
        chain_pem = b"".join(certificate_pem(c) for c in (key.certificate, *key.chain))
        _write_atomic(self._path(key_id, "key.pem"), encrypted, 0o600)
        _write_atomic(self._path(key_id, "cert.pem"), chain_pem, 0o644)

    def _write_meta(self, key_id: str, meta: dict[str, Any]) -> None:
        self._mkdir()
        data = json.dumps({"key_id": key_id, **meta}, ensure_ascii=False, indent=2).encode() + b"\n"
        _write_atomic(self._path(key_id, "json"), data, 0o644)

    def _mkdir(self) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)

    @staticmethod
    def public_root_certificate(directory: Path) -> bytes | None:
        """The root certificate (public) without opening the store: verifying needs no passphrase."""
        path = Path(directory) / f"{_ROOT}.cert.pem"
        return path.read_bytes() if path.exists() else None

    def _path(self, key_id: str, suffix: str) -> Path:
        return self.directory / f"{key_id}.{suffix}"


def _check_key_id(key_id: str) -> None:
    if not KEY_ID_PATTERN.fullmatch(key_id) or key_id == _ROOT:
        raise KeyStoreError(
            f"密钥标识“{key_id}”无效（只能用小写字母、数字、- 和 _，不超过 64 个字符，且不能为 root）",
            f"invalid key id {key_id!r} (lower-case letters, digits, '-' and '_', at most 64 characters, not 'root')",
            code="bad_key_id",
            details={"key_id": key_id},
        )


def _not_found(key_id: str, directory: Path) -> KeyStoreError:
    return KeyStoreError(
        f"密钥库中没有密钥“{key_id}”",
        f"no key {key_id!r} in the key store",
        code="key_not_found",
        details={"key_id": key_id, "directory": str(directory)},
    )


def _default_label(role: SealRole, common_name: str, serial_number: str | None) -> str:
    if role is SealRole.officer:
        return f"{common_name} {serial_number}" if serial_number else common_name
    return f"{common_name} {ORG_UNIT_BY_ROLE[role]}"


def _write_atomic(path: Path, data: bytes, mode: int) -> None:
    """Write via a temporary file in the same directory and rename: readers see the old or the new file,
    never a partial one. The temporary file is created with ``mode`` already (no window with wider rights)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
