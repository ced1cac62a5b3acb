"""anjuan maintenance: orphan blobs and dead converter profiles (日常维护)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from .common import JsonOpt, _acting, _archive, _out, _Run, app

# -- 日常维护 maintenance ---------------------------------------------------------------------------


def _bytes_text(n: int) -> str:
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} B"


@app.command("maintenance")
def maintenance_command(
    ctx: typer.Context,
    apply: Annotated[bool, typer.Option("--apply", help="really remove (default: dry run, nothing removed)")] = False,
    blob_grace_hours: Annotated[
        float, typer.Option("--blob-grace-hours", help="keep orphan blobs younger than this (issues in flight)")
    ] = 24.0,
    profile_grace_hours: Annotated[
        float, typer.Option("--profile-grace-hours", help="keep converter directories changed within this")
    ] = 1.0,
    temp_dir: Annotated[
        Path | None, typer.Option("--temp-dir", help="the temp dir the server's converters use (default: this one's)")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """日常维护 — remove orphan blobs (stored files no record names, left by a failed issue) and the
    directories of LibreOffice instances that were killed. A dry run unless --apply (logged)."""
    with _Run(as_json), _archive() as archive:
        report = archive.upkeep.maintenance(
            actor=_acting(ctx, archive),
            apply=apply,
            blob_grace=dt.timedelta(hours=blob_grace_hours),
            profile_grace=dt.timedelta(hours=profile_grace_hours),
            temp_dir=temp_dir,
        )
        data = report.to_dict()
        verb = "已删除 removed" if apply else "可删除 would remove"
        lines = []
        for key, label in (
            ("orphan_blobs", "孤立文件 orphan blobs"),
            ("temp_files", "残留临时文件 stray temporary files"),
            ("stale_profiles", "残留转换目录 stale converter directories"),
        ):
            group = data[key]
            lines.append(f"{label}: {group['count']} ({_bytes_text(group['bytes'])})")
            lines += [f"  {verb} {item.get('sha256') or item['path']}  {item['modified']}" for item in group["items"]]
        if data["blob_dir"] is None:
            lines.append("  文件库不是目录，未检查 blob store is not a directory; not checked")
        lines.append(f"使用中的转换目录 converter directories in use (kept): {data['profiles_in_use']}")
        lines += [f"  ✗ 未能删除 could not remove {f['path']}: {f['error']}" for f in data["failed"]]
        if apply:
            lines.append("已清理并记入操作日志 cleaned; recorded in the operation log")
        else:
            lines.append("试运行，未删除 dry run, nothing removed; add --apply")
        _out(data, as_json, "\n".join(lines))
