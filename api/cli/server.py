"""anjuan serve and anjuan demo."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from anjuan.archive.config import Settings

from .common import JsonOpt, _out, _Run, app


@app.command()
def serve(
    host: Annotated[str | None, typer.Option()] = None, port: Annotated[int | None, typer.Option()] = None
) -> None:
    """启动 HTTP 服务 — serve the API (OpenAPI docs at /docs)."""
    import uvicorn

    from .app import create_app

    settings = Settings()
    # proxy_headers=False: uvicorn would believe X-Forwarded-For from 127.0.0.1 by default; whom to
    # believe is ANJUAN_TRUSTED_PROXIES, read in one place (api/client.py).
    uvicorn.run(create_app(settings), host=host or settings.host, port=port or settings.port, proxy_headers=False)


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", help="output directory")] = Path("demo-out"),
    as_json: JsonOpt = False,
) -> None:
    """示例：检查链 + 一般程序处罚案件，输出 PDF 与 summary.json — the end-to-end demo."""
    from anjuan.archive.demo import run_demo

    with _Run(as_json):
        summary = run_demo(out, progress=lambda msg: typer.echo(msg, err=as_json))
        _out(summary, as_json, f"完成 done: {len(summary['documents'])} documents → {out.resolve()}")
