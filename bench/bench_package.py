"""Benchmark: export a filed case as a BagIt package and run the 四性检测 on it.

    python -m bench.bench_package

The case is the demo's penalty case (17 documents, 2 photos, the sealed volume), filed by running
the demo once on a temporary directory. Timed: ``export_package`` (metadata XML, payload, SHA-256
manifests) and ``verify_package`` (manifests, signatures, XML, fonts, security), ms each.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

__all__ = ["run"]


def run(repeats: int = 3) -> dict[str, float]:
    from anjuan.archive.config import Settings
    from anjuan.archive.demo import run_demo
    from anjuan.archive.service import Archive
    from pydantic import SecretStr

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "demo"
        summary = run_demo(out, progress=lambda _m: None)
        data = out / "data"
        settings = Settings(data_dir=data, pki_passphrase=SecretStr((data / "pki-passphrase").read_text().strip()))
        with Archive(settings) as archive:
            archivist = archive.accounts.principal("wanghong")
            case_id = summary["casefile"]["case_id"]
            export_ms, verify_ms = [], []
            for index in range(repeats):
                target = Path(tmp) / f"bag-{index}"
                t0 = time.perf_counter()
                archive.packaging.export(actor=archivist, case_id=case_id, out_dir=target)
                export_ms.append((time.perf_counter() - t0) * 1000)
                t0 = time.perf_counter()
                report = archive.packaging.verify(target)
                verify_ms.append((time.perf_counter() - t0) * 1000)
                assert report.ok
            files = sum(1 for p in (Path(tmp) / "bag-0" / "data").rglob("*") if p.is_file())
    return {"files": files, "export_ms": min(export_ms), "verify_ms": min(verify_ms)}


if __name__ == "__main__":
    print(run())
