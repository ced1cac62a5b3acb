"""anjuan pki, seal, verify and audit: keys, seal images, signature and log checks."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from anjuan.archive.errors import ArchiveError

from .common import JsonOpt, _acting, _archive, _out, _Run, app, audit_app, pki_app, seal_app


@pki_app.command("init")
def pki_init(
    ctx: typer.Context,
    out: Annotated[Path | None, typer.Option("--out", help="also write the root certificate (PEM) here")] = None,
    as_json: JsonOpt = False,
) -> None:
    """创建开发用根证书及各机关印章、执法人员证书 — development PKI (keys encrypted at rest)."""
    with _Run(as_json), _archive() as archive:
        result = archive.keys.pki_init(actor=_acting(ctx, archive))
        if out:
            out.write_text(result.root_certificate, "ascii")
        _out(result, as_json, f"密钥库 key store: {result.directory} ({len(result.keys)} keys)")


@pki_app.command("list")
def pki_list(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """列出密钥 — list the keys in the key store."""
    with _Run(as_json), _archive() as archive:
        keys = archive.keys.list_keys(actor=_acting(ctx, archive))
        _out(keys, as_json, "\n".join(f"{k.key:<24} {k.role:<12} {k.source or '':<10} {k.label}" for k in keys))


OwnerOpt = Annotated[str, typer.Option("--owner", help="org (机关印章/执法专用章) or officer")]


@pki_app.command("import-p12")
def pki_import_p12(
    ctx: typer.Context,
    owner_id: int,
    file: Path,
    owner: OwnerOpt = "org",
    role: Annotated[str | None, typer.Option(help="organ or enforcement (organisations)")] = None,
    passphrase_env: Annotated[str, typer.Option(help="environment variable holding the .p12 passphrase")] = (
        "ANJUAN_P12_PASSPHRASE"
    ),
    replace: bool = False,
    as_json: JsonOpt = False,
) -> None:
    """导入 PKCS#12 证书 — use a bureau's own certificate and key (stored re-encrypted)."""

    with _Run(as_json), _archive() as archive:
        passphrase = os.environ.get(passphrase_env, "").encode("utf-8")
        result = archive.keys.import_pkcs12(
            actor=_acting(ctx, archive),
            owner=owner,
            owner_id=owner_id,
            role=role,
            data=file.read_bytes(),
            passphrase=passphrase,
            replace=replace,
        )
        _out(result, as_json, f"已导入 imported {result.key}: {result.label}")


@pki_app.command("register-pkcs11")
def pki_register_pkcs11(
    ctx: typer.Context,
    owner_id: int,
    lib: Annotated[str, typer.Option(help="PKCS#11 module, e.g. /usr/lib/softhsm/libsofthsm2.so")],
    token: Annotated[str, typer.Option(help="token label")],
    key: Annotated[str, typer.Option(help="key label on the token")],
    pin_env: Annotated[str, typer.Option(help="environment variable holding the user PIN")] = "ANJUAN_PKCS11_PIN",
    owner: OwnerOpt = "org",
    role: Annotated[str | None, typer.Option(help="organ or enforcement (organisations)")] = None,
    replace: bool = False,
    as_json: JsonOpt = False,
) -> None:
    """登记 PKCS#11 令牌密钥 — sign with a key that never leaves a token/HSM."""
    with _Run(as_json), _archive() as archive:
        result = archive.keys.register_pkcs11(
            actor=_acting(ctx, archive),
            owner=owner,
            owner_id=owner_id,
            role=role,
            lib=lib,
            token_label=token,
            key_label=key,
            pin_env_var=pin_env,
            replace=replace,
        )
        _out(result, as_json, f"已登记 registered {result.key}: {result.label}")


@app.command()
def verify(
    file: Annotated[Path, typer.Argument(help="PDF to check")],
    as_json: JsonOpt = False,
) -> None:
    """验证文书签章 — verify the signatures of any copy and whether anjuan issued it (exit 0 only if all pass).

    The same bounded check as the public /verify (structural limits, a worker process under
    ANJUAN_VERIFY_TIMEOUT_SECONDS): an operator who must check a larger file raises those settings
    for this one command, e.g. ANJUAN_VERIFY_MAX_REVISIONS=500 anjuan verify big.pdf."""
    with _Run(as_json), _archive() as archive:
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise ArchiveError(f"无法读取文件：{file}", f"cannot read {file}: {exc}", code="bad_file") from exc
        report = archive.keys.verify(data)
        lines = [f"文件 file: {file} sha256 {report.sha256[:16]}…"]
        for sig in report.signatures:
            flags = "✓" if sig.intact and sig.valid and sig.trusted and not sig.problems else "✗"
            signed = sig.signing_time.isoformat() if sig.signing_time else ""
            lines.append(
                f"  {flags} {sig.field}: {sig.signer} ({sig.seal or sig.role or '?'}) "
                f"{signed} intact={sig.intact} trusted={sig.trusted} "
                f"whole_file={sig.covers_whole_file} changes={sig.modification_level}"
            )
            lines.extend(f"      - {p}" for p in sig.problems)
        lines.extend(f"  ! {p}" for p in report.problems)
        doc = report.document
        if doc:
            label = doc.number or doc.form
            lines.append(f"  本系统文书 anjuan document: {label} ({report.relation}) {doc.organisation}")
        else:
            lines.append("  非本系统签发 not issued by this anjuan instance")
        lines.append("结论 result: " + ("通过 OK" if report.ok else "未通过 FAILED"))
        _out(report, as_json, "\n".join(lines))
        if not report.ok:
            raise typer.Exit(3)


@audit_app.command("verify")
def audit_verify(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """校验操作日志哈希链 — check the hash chain of the event log (exit 0 only if intact)."""
    with _Run(as_json), _archive() as archive:
        report = archive.upkeep.audit_chain(actor=_acting(ctx, archive))
        if report.ok:
            text = f"审计链完整 audit chain intact: {report.entries} entries"
        else:
            text = (
                f"审计链断裂 audit chain broken at entry seq={report.first_broken_seq} "
                f"id={report.first_broken_id}: {report.reason_zh} / {report.reason_en}"
            )
        _out(report, as_json, text)
        if not report.ok:
            raise typer.Exit(3)


@seal_app.command("image")
def seal_image(
    ctx: typer.Context,
    org: int,
    role: Annotated[str, typer.Option(help="organ (机关印章) or enforcement (行政执法专用章)")] = "organ",
    out: Annotated[Path | None, typer.Option("--out", help="write the PNG here")] = None,
    upload: Annotated[Path | None, typer.Option("--upload", help="replace it with this PNG/JPEG")] = None,
) -> None:
    """查看或上传机关电子印章图像 — show or upload an organisation's seal image."""
    with _Run(False), _archive() as archive:
        if upload:
            digest = archive.keys.upload_seal_image(
                actor=_acting(ctx, archive), org_id=org, role=role, data=upload.read_bytes()
            )
            typer.echo(f"已上传 uploaded {digest}")
        png = archive.keys.seal_image(actor=_acting(ctx, archive), org_id=org, role=role)
        if out:
            out.write_bytes(png)
            typer.echo(str(out))
