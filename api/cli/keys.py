"""anjuan pki, seal, verify and audit: keys, seal images, signature and log checks."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from anjuan.archive.config import Settings
from anjuan.archive.errors import ArchiveError

from anjuan.errors import AnjuanError

from .common import JsonOpt, _acting, _archive, _out, _Run, app, audit_app, pki_app, seal_app

if TYPE_CHECKING:
    from anjuan.archive.keys import CopyCheck


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


# Exit statuses of `anjuan verify` (its --help and the README say the same).
VERIFY_OK, VERIFY_FAILED, VERIFY_UNCHECKED = 0, 1, 2

# Paragraphs without line breaks inside: the help formatter keeps a docstring's line breaks.
VERIFY_HELP = "\n\n".join(
    [
        "验证文书签章 — verify the signatures of any copy, then ask the archive whether it issued it.",
        "Works anywhere, with or without an archive: the signatures are checked against the archive's own "
        "root (when its key store is there), ANJUAN_TRUST_ANCHORS and every --trust ROOT.pem. Then, on a "
        "line of its own, whether the configured archive (ANJUAN_DATA_DIR / ANJUAN_DATABASE_URL, or "
        "--data) issued this very file; without an archive nothing is asked and nothing is created.",
        "Exit status: 0 every signature intact, valid and trusted (and the archive, if asked, does not say "
        "the document was voided or replaced); 1 a signature is missing, altered, invalid or untrusted, or "
        "the document was voided/replaced; 2 the file could not be checked (unreadable, not a PDF, a bad "
        "--trust file, past a verification limit, the verifier unavailable) or the command line is wrong.",
        "The same bounded check as the public /verify (structural limits, a worker process under "
        "ANJUAN_VERIFY_TIMEOUT_SECONDS): an operator who must check a larger file raises those settings "
        "for this one command, e.g. ANJUAN_VERIFY_MAX_REVISIONS=500 anjuan verify big.pdf.",
    ]
)


@app.command(help=VERIFY_HELP)
def verify(
    file: Annotated[Path, typer.Argument(help="PDF to check (any copy, anywhere)")],
    trust: Annotated[
        list[Path] | None,
        typer.Option(
            "--trust",
            metavar="ROOT.pem",
            help="a root certificate (PEM or DER) to trust, e.g. demo-out/pki/root.pem; may be repeated",
        ),
    ] = None,
    data: Annotated[
        Path | None,
        typer.Option("--data", help="the archive to ask whether it issued the file (ANJUAN_DATA_DIR)"),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """验证文书签章 — verify any copy anywhere (the help text is VERIFY_HELP)."""
    from anjuan.archive.keys import verify_copy

    settings = Settings()
    if data is not None:
        settings = settings.model_copy(update={"data_dir": data})
    try:
        pdf = file.read_bytes()
    except OSError as exc:
        _unchecked(
            ArchiveError(
                f"无法读取文件：{file}（{exc.strerror or exc}）",
                f"cannot read {file}: {exc.strerror or exc}",
                code="bad_file",
            ),
            as_json,
        )
    try:
        check = verify_copy(settings, pdf, trust=trust or ())
    except AnjuanError as exc:
        _unchecked(exc, as_json)
    report = check.verification
    if any(p.startswith("not_a_pdf") for p in report.problems):
        _unchecked(
            ArchiveError(f"不是可读的 PDF 文件：{file}", f"not a readable PDF file: {file}", code="not_a_pdf"),
            as_json,
        )
    if as_json:
        _out({**check.model_dump(mode="json")["verification"], **_json_extra(check)}, True, "")
    else:
        typer.echo("\n".join(_verify_lines(file, check)))
    raise typer.Exit(VERIFY_OK if check.ok else VERIFY_FAILED)


def _unchecked(exc: AnjuanError, as_json: bool) -> NoReturn:
    """The file could not be checked at all: the message (Chinese first), exit status 2."""
    if as_json:
        typer.echo(json.dumps({"error": exc.to_dict()}, ensure_ascii=False), err=True)
    else:
        typer.echo(f"错误 error [{exc.code}]: {exc.message_zh} / {exc.message_en}", err=True)
    raise typer.Exit(VERIFY_UNCHECKED)


def _json_extra(check: CopyCheck) -> dict[str, object]:
    return {
        "ok": check.ok,  # the exit status 0
        "trust_roots": [r.model_dump() for r in check.roots],
        "archive": {"status": check.archive, "location": check.archive_location, "error": check.archive_error},
    }


def _verify_lines(file: Path, check: CopyCheck) -> list[str]:
    """Signatures and trust first, then — apart — what the archive knows, then the verdict."""
    from anjuan.archive.clock import beijing_time

    report = check.verification
    sources = {r.sha256: r for r in check.roots}
    lines = [f"文件 file: {file}  sha256 {report.sha256[:16]}…"]
    if check.roots:
        lines.append("信任的根证书 trusted roots:")
        lines.extend(f"  - {r.subject}（{'本档案库 this archive: ' if r.own else ''}{r.source}）" for r in check.roots)
    else:
        lines.append("信任的根证书 trusted roots: 无 none（用 --trust ROOT.pem 指定 / give one with --trust ROOT.pem）")
    lines.append(f"电子签章 signatures: {len(report.signatures)}")
    for sig in report.signatures:
        good = sig.intact and sig.valid and sig.trusted and not sig.problems
        who = f"{sig.signer}（{sig.seal or ('执法人员' if sig.role == 'officer' else sig.role) or '签名'}）"
        when = f"{beijing_time(sig.signing_time):%Y-%m-%d %H:%M:%S} 北京时间" if sig.signing_time else "时间不详"
        lines.append(f"  {'✓' if good else '✗'} {who} {when}")
        lines.append(
            "      完好 intact: "
            + ("是 yes" if sig.intact and sig.valid else "否 NO（签章后内容被改动或签名无效 altered or invalid）")
        )
        if sig.trusted:
            root = sources.get(sig.trust_root_sha256)
            where = f"（{'本档案库 this archive: ' if root and root.own else ''}{root.source}）" if root else ""
            lines.append(f"      可信 trusted: 是 yes — 根证书 root {root.subject if root else sig.trust_root}{where}")
        else:
            lines.append("      可信 trusted: 否 NO — 不能链接到所给的任何根证书 chains to none of the roots given")
        lines.extend(f"      - {p}" for p in sig.problems)
    lines.extend(f"  ! {p}" for p in report.problems)
    lines.append(
        "签章结论 signatures: " + ("全部有效且可信 all valid and trusted" if report.signatures_ok else "未通过 FAILED")
    )
    lines.append("本档案库签发 issued by this archive: " + _archive_line(check))
    lines.append("结论 result: " + ("通过 OK" if check.ok else "未通过 FAILED"))
    return lines


_STATUS = {"voided": "已作废", "superseded": "已更正，以新版本为准", "deleted": "已经批准删除"}


def _archive_line(check: CopyCheck) -> str:
    if check.archive == "not_configured":
        return (
            f"未查询 — 未配置档案库（{check.archive_location} 中没有；设置 ANJUAN_DATA_DIR 或用 --data）"
            " / not looked up: no archive is configured (set ANJUAN_DATA_DIR or use --data)"
        )
    if check.archive == "unavailable":
        return f"无法查询 — 档案库不可用：{check.archive_error} / the archive could not be asked"
    doc = check.verification.document
    if doc is None:
        return f"否 — 本档案库（{check.archive_location}）没有签发此文件 / not issued by this archive"
    label = doc.number or doc.form
    relation = {
        "identical": "是 yes — 正是本档案库签发的文件 this very file",
        "earlier_revision": "是其早期版本 an earlier revision of",
        "later_revision": "签发后被追加修改 changed after it was issued:",
    }.get(check.verification.relation or "", "")
    status = "" if doc.status == "issued" else f"（{_STATUS.get(doc.status, doc.status)} {doc.status}）"
    return f"{relation} {label} {doc.organisation}{status}"


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
