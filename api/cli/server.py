"""anjuan serve and anjuan demo."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from anjuan.archive.config import Settings
from anjuan.archive.errors import ArchiveError

from .common import JsonOpt, _out, _Run, app


@app.command()
def serve(
    host: Annotated[str | None, typer.Option()] = None,
    port: Annotated[int | None, typer.Option()] = None,
    data: Annotated[
        Path | None,
        typer.Option(
            "--data",
            help="data directory to serve (ANJUAN_DATA_DIR), e.g. demo-out/data: the demo's world "
            "(its key passphrase, kept beside it, is used unless ANJUAN_PKI_PASSPHRASE is set)",
        ),
    ] = None,
) -> None:
    """启动 HTTP 服务 — serve the API (OpenAPI docs at /docs) and the web UI (/web/)."""
    import uvicorn
    from anjuan.archive.demo import demo_key_passphrase

    from ..app import create_app

    settings = Settings()
    if data is not None:
        with _Run(False):
            if not (data / "anjuan.db").is_file() and not settings.database_url:
                # A mistyped path would otherwise become a new, empty archive nobody can log in to.
                raise ArchiveError(
                    f"数据目录{data}中没有档案库（先运行 make demo 或 anjuan demo）",
                    f"no archive in the data directory {data} (run make demo or anjuan demo first)",
                    code="no_data_dir",
                )
        update: dict[str, object] = {"data_dir": data}
        if settings.pki_passphrase is None and (passphrase := demo_key_passphrase(data)) is not None:
            update["pki_passphrase"] = passphrase
        settings = settings.model_copy(update=update)
    # proxy_headers=False: uvicorn would believe X-Forwarded-For from 127.0.0.1 by default; whom to
    # believe is ANJUAN_TRUSTED_PROXIES, read in one place (api/client.py).
    uvicorn.run(create_app(settings), host=host or settings.host, port=port or settings.port, proxy_headers=False)


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", help="output directory")] = Path("demo-out"),
    as_json: JsonOpt = False,
) -> None:
    """示例：检查链 + 一般程序处罚案件，输出 PDF 与 summary.json — the end-to-end demo."""
    from anjuan.archive.demo import open_hint, run_demo

    with _Run(as_json):
        summary = run_demo(out, progress=lambda msg: typer.echo(msg, err=as_json))
        done = f"完成 done: {len(summary['documents'])} documents → {out.resolve()}"
        # The last lines: how to open the demo's world (to stderr with --json, which prints the summary).
        _out(summary, as_json, "\n".join([done, *open_hint(out, out / "data")]))
        if as_json:
            typer.echo("\n".join(open_hint(out, out / "data")), err=True)
