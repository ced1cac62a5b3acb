"""anjuan casefile, case close/file, review, guidance and archive: 卷宗 to 归档信息包."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from anjuan.archive.config import Settings
from anjuan.archive.errors import ArchiveError

from anjuan import display

from ..schemas import attachment_json, case_read, casefile_json, guidance_json, review_json
from .common import JsonOpt, _acting, _archive, _out, _Run, app, archive_app, case_app, casefile_app
from .documents import DateOpt, _parse_date

# -- case files (卷宗) ----------------------------------------------------------------------------


@casefile_app.command("attach")
def casefile_attach(
    ctx: typer.Context,
    case: int,
    file: Path,
    kind: Annotated[
        str, typer.Option("--kind", help="photo, evidence, party_identity, statement, payment, court, other")
    ],
    title: Annotated[str, typer.Option("--title", help="材料名称")],
    date: DateOpt = None,
    responsible: Annotated[str, typer.Option(help="责任者 (who made or supplied it)")] = "",
    as_json: JsonOpt = False,
) -> None:
    """添加证据材料 — add a photo (JPEG/PNG) or scanned PDF to a case; it takes its place in the case file."""
    with _Run(as_json), _archive() as archive:
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise ArchiveError(f"无法读取文件：{file}", f"cannot read {file}: {exc}", code="bad_file") from exc
        row = archive.casefiles.add_attachment(
            actor=_acting(ctx, archive),
            case_id=case,
            kind=kind,
            title=title,
            data=data,
            filename=file.name,
            date=_parse_date(date),
            responsible=responsible,
        )

        _out(attachment_json(row), as_json, f"证据材料 attachment {row.id}: {row.title} ({row.pages}页)")


@case_app.command("close")
def case_close(ctx: typer.Context, case: int, as_json: JsonOpt = False) -> None:
    """结案 — close a case (needs its issued 结案审批表, or every rectification re-inspected)."""
    with _Run(as_json), _archive() as archive:
        actor = _acting(ctx, archive)
        archive.casefiles.close(actor=actor, case_id=case)
        row = archive.registry.case(actor=actor, case_id=case)
        _out(case_read(row).model_dump(mode="json"), as_json, f"已结案 案件 {row.id}：{display.day(row.closed_on)}")


@case_app.command("file")
def case_file(
    ctx: typer.Context,
    case: int,
    checker: Annotated[str, typer.Option(help="检查人 for the 备考表")] = "",
    as_json: JsonOpt = False,
) -> None:
    """归档 — file a closed case: 归档号, 档号, 保管期限, final sealed volume; frozen afterwards."""
    with _Run(as_json), _archive() as archive:
        actor = _acting(ctx, archive)
        archive.casefiles.file(actor=actor, case_id=case, checker=checker)
        row = archive.registry.case(actor=actor, case_id=case)
        _out(
            case_read(row).model_dump(mode="json"),
            as_json,
            f"已归档 filed case {row.id}: 归档号 {row.archive_no} 档号 {row.file_no} 保管期限 {row.retention}",
        )


@app.command()
def review(ctx: typer.Context, case: int, as_json: JsonOpt = False) -> None:
    """案卷评查 — score a case file out of 100 with each finding, its document and page."""
    with _Run(as_json), _archive() as archive:
        report = archive.reviews.review(actor=_acting(ctx, archive), case_id=case)
        lines = [f"案卷评查 review of case {case}: {report.score}分 {report.rating}"]
        if report.veto:
            lines.append(f"  否决项 veto: {', '.join(report.veto)}")
        lines += [f"  {c.name}: {c.score:g}/{c.points:g}" for c in report.categories if c.points]
        for f in report.findings:
            where = f" 第{f.page}页" if f.page else ""
            lines.append(f"  - [{f.item} −{f.deduct:g}] {f.message_zh}{where}")
        for item in report.items:
            if item.status == "pending":
                hint = f"anjuan assess {case} {item.id}"
                lines.append(f"  ? [{item.id} 0/{item.points:g}] 待人工评查 {item.name} ({hint})")
        _out(review_json(report), as_json, "\n".join(lines))


@app.command()
def assess(
    ctx: typer.Context,
    case: int,
    item: str,
    points: Annotated[float, typer.Option("--points", help="得分 (0 to the item's points)")],
    reason: Annotated[str, typer.Option("--reason", help="评分理由")] = "",
    as_json: JsonOpt = False,
) -> None:
    """人工评查 — score a manual review item (待人工评查: 事实、证据、法律适用、裁量) with a reason."""
    with _Run(as_json), _archive() as archive:
        report = archive.reviews.assess(
            actor=_acting(ctx, archive), case_id=case, item_id=item, points=points, reason=reason
        )
        state = "定评 final" if report.final else f"待人工评查 pending: {', '.join(report.pending_items) or '—'}"
        _out(review_json(report), as_json, f"案卷评查 case {case}: {report.score}分 {report.rating} ({state})")


@archive_app.command("export")
def archive_export(
    ctx: typer.Context,
    case: int,
    out: Annotated[Path, typer.Option("--out", help="new directory for the bag")],
    as_json: JsonOpt = False,
) -> None:
    """导出归档信息包 — a filed case as a BagIt bag with metadata XML and process history."""
    with _Run(as_json), _archive() as archive:
        result = archive.packaging.export(actor=_acting(ctx, archive), case_id=case, out_dir=out)
        _out(result, as_json, f"归档信息包 package {result.file_no} → {result.path} ({result.payload_oxum})")


def _fourness_lines(report: dict[str, Any]) -> list[str]:
    marks = {"pass": "✓", "fail": "✗", "warn": "!", "manual": "?", "info": "i"}
    lines = []
    for item in report["items"]:
        lines.append(f"  {marks[item['result']]} {item['code']:<8} {item['nature']} {item['name']} [{item['result']}]")
        lines.extend(f"      - {d}" for d in item["details"][:5])
    return lines


@archive_app.command("verify")
def archive_verify(
    path: Annotated[Path, typer.Argument(help="package directory (BagIt)")], as_json: JsonOpt = False
) -> None:
    """四性检测 — authenticity, integrity, usability, security of a package (exit 0 only if it passes)."""
    with _Run(as_json), _archive() as archive:
        report = archive.packaging.verify(path).to_dict()
        lines = [f"四性检测 {path}", *_fourness_lines(report)]
        lines.append("结论 result: " + ("通过 OK" if report["ok"] else "未通过 FAILED"))
        _out(report, as_json, "\n".join(lines))
        if not report["ok"]:
            raise typer.Exit(3)


@archive_app.command("import")
def archive_import(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="package directory (BagIt)")],
    as_json: JsonOpt = False,
) -> None:
    """接收归档信息包 — check it (四性检测), then keep every file; refused whole if any check fails."""
    with _Run(as_json), _archive() as archive:
        result = archive.packaging.import_(actor=_acting(ctx, archive), path=path)
        _out(
            result.to_dict(),
            as_json,
            f"已接收 received {result.file_no}: {len(result.files)} files" + (" (again)" if result.repeat else ""),
        )


@archive_app.command("fixity")
def archive_fixity(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """固化信息巡检 — re-check the SHA-256 of every stored file (exit 0 only if all match; logged)."""
    with _Run(as_json), _archive() as archive:
        report = archive.upkeep.fixity(actor=_acting(ctx, archive))
        lines = [f"已检查 checked {report.checked} files, {report.bytes} bytes"]
        lines += [f"  ✗ 缺失 missing {m['ref']} {m['sha256'][:16]}…" for m in report.missing]
        lines += [f"  ✗ 校验失败 corrupt {m['ref']} {m['sha256'][:16]}…" for m in report.corrupt]
        lines.append("结论 result: " + ("通过 OK" if report.ok else "未通过 FAILED"))
        _out(report, as_json, "\n".join(lines))
        if not report.ok:
            raise typer.Exit(3)


def _archive_configured() -> bool:
    """An archive is here when its database is: configured by URL, or the default file exists.
    ``casefile check`` then uses the archive's verifier and records, and otherwise stays offline
    (no database is created just to check a file)."""
    settings = Settings()
    return settings.database_url is not None or (settings.data_dir / "anjuan.db").exists()


@casefile_app.command("check")
def casefile_check(
    file: Annotated[Path, typer.Argument(help="any case-file PDF")],
    trust: Annotated[
        list[Path] | None, typer.Option("--trust", help="trusted root certificate (PEM/DER) for the seals; repeatable")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """卷宗核验 — the whole verdict on any case-file PDF: cover, 卷内目录 and 备考表 present; the 目录
    against the page numbers and each page against its document (文号; the archive's copy where this
    is the archive that made it); stamps whited out or over-printed; the seals (intact, valid,
    trusted by the archive's roots and ``--trust``). Exit 0 only when all is in order."""
    from anjuan.archive.casefile import check_volume

    with _Run(as_json):
        try:
            data = file.read_bytes()
            roots = [path.read_bytes() for path in trust or []]
        except OSError as exc:
            name = exc.filename
            raise ArchiveError(f"无法读取文件：{name}", f"cannot read {name}: {exc}", code="bad_file") from exc
        if _archive_configured():
            extra = {"trust_anchors": (*Settings().trust_anchors, *(trust or []))}
            with _archive(**extra) as archive:
                report = archive.casefiles.check(data)
        else:
            report = check_volume(data, trust=roots)
        lines = [f"卷宗 {file}: {report.pages}页, 目录{len(report.toc)}项"]
        lines += [f"  {e.seq:>3} {e.start:>4}{'-' + str(e.end) if e.end else '':<5} {e.title}" for e in report.toc]
        lines += [f"  签章 {'✓' if s.ok and s.whole_file else '✗'} {s.name}" for s in report.seals]
        lines += [f"  ✗ [{f.code}] {f.message_zh} / {f.message_en}" for f in report.findings]
        lines.append("结论 result: " + ("卷宗完整、目录与页码相符、签章有效 OK" if report.ok else "不符 FAILED"))
        _out(report.to_dict(), as_json, "\n".join(lines))
        if not report.ok:
            raise typer.Exit(3)


@app.command()
def guidance(
    ctx: typer.Context,
    case: int,
    reply_by: Annotated[str, typer.Option("--reply-by", help="整改结果报告期限 YYYY-MM-DD")],
    out: Annotated[Path | None, typer.Option("--out", help="write the sealed PDF here")] = None,
    contact: Annotated[str, typer.Option(help="联系人")] = "",
    phone: Annotated[str, typer.Option(help="电话")] = "",
    as_json: JsonOpt = False,
) -> None:
    """安全生产执法指导意见书 — review a lower bureau's case and issue the numbered, sealed opinion."""
    with _Run(as_json), _archive() as archive:
        actor = _acting(ctx, archive)
        date = _parse_date(reply_by)
        assert date is not None
        opinion = archive.reviews.guidance(actor=actor, case_id=case, reply_by=date, contact=contact, phone=phone)
        if out:
            out.write_bytes(archive.kernel.blobs.get(opinion.pdf_sha256))
        review = opinion.review  # as recorded with the opinion (stored JSON)
        _out(
            guidance_json(opinion),
            as_json,
            f"指导意见书 {opinion.number}: {review['score']:g}分 {review['rating']}" + (f" → {out}" if out else ""),
        )


@casefile_app.command("build")
def casefile_build(
    ctx: typer.Context,
    case: int,
    out: Annotated[Path | None, typer.Option("--out", help="write the sealed volume PDF here")] = None,
    checker: Annotated[str, typer.Option(help="检查人 for the 备考表")] = "",
    as_json: JsonOpt = False,
) -> None:
    """组卷 — assemble the case file: cover, 卷内目录, paginated documents, 备考表; sealed."""
    with _Run(as_json), _archive() as archive:
        actor = _acting(ctx, archive)
        row = archive.casefiles.build(actor=actor, case_id=case, checker=checker)
        if out:
            out.write_bytes(archive.kernel.blobs.get(row.sha256))

        lines = [
            f"卷宗 case file v{row.version}: {row.pages}页 (content {row.content_pages}) sha256 {row.sha256[:16]}…"
        ]
        lines += [
            f"  {e['seq']:>3} {e['start']:>4}{'-' + str(e['end']) if e['end'] != e['start'] else '':<5} "
            f"{e['title']} {e['number'] or ''}"
            for e in row.entries
        ]
        _out(casefile_json(row), as_json, "\n".join(lines + ([str(out)] if out else [])))
