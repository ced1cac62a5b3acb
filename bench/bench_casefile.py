"""Benchmark: a 60-document case file — assemble (cover, 目录, stamps, outline), seal, check.

    python -m bench.bench_casefile [--docs 60]

The documents are one real sealed two-page 行政处罚决定书 repeated (what matters is pages and
signature fields, not their text). Compared in the same run with the naive baseline: merging the
same files with pypdf (pure Python), which is what a first implementation would reach for.

What is measured
    merge_ms        pikepdf: flatten each document's seal widgets, merge, outline, page labels
    baseline_ms     pypdf: merge the same documents with an outline (no stamps, no flattening)
    build_ms        the whole volume: front matter + stamp sheet through the warm pool, merge, overlay
    seal_ms         sealing the volume once (PAdES B-B, the organisation's key)
    check_ms        reading the volume back: 目录, stamps, document starts (``casefile check``)
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["main", "run"]

_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:  # the test PKI lives in tests/fixtures
    sys.path.insert(0, str(_ROOT))


def _sealed_document(pool: Any, number: str) -> bytes:
    """A sealed 决定书 printing ``number``: each document of the volume carries its own 文号, as the
    volume check reads it on the page (a copy of one document 60 times would not be a case file)."""
    import dataclasses

    from anjuan.signing import Sealer, SignatureSpec
    from anjuan.templates import DocxRenderer

    from tests.fixtures.samples import sample_context

    context = sample_context("penalty_decision_org")
    context = dataclasses.replace(context, doc=dataclasses.replace(context.doc, number=number))
    docx = DocxRenderer().render("penalty_decision_org", context)
    pdf = pool.convert(docx)
    return Sealer().seal(pdf, [SignatureSpec(key=_pki().organ_seal, field_name="seal-organ")])


def _pki() -> Any:
    import tempfile

    from tests.fixtures.pki import build_test_pki

    return build_test_pki(Path(tempfile.mkdtemp(prefix="anjuan-bench-pki-")))


def _pypdf_merge(pdfs: list[bytes]) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for index, data in enumerate(pdfs):
        start = len(writer.pages)
        writer.append(io.BytesIO(data))
        writer.add_outline_item(title=f"文书{index + 1}", page_number=start)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def run(n_docs: int = 60) -> dict[str, float]:
    import pikepdf
    from anjuan.signing import Sealer, SignatureSpec
    from anjuan.templates.convert import UnoPool
    from anjuan.templates.volume import CoverInfo, NotesInfo, VolumeEntry, build_volume
    from anjuan.templates.volume.compose import _flatten

    pool = UnoPool(pool_size=2).start()
    try:
        numbers = [f"（晋临）应急罚〔2026〕{i}号" for i in range(1, n_docs + 1)]
        documents = [_sealed_document(pool, number) for number in numbers]
        entries = [
            VolumeEntry(f"行政处罚决定书{i}", number, "临汾市尧都区应急管理局", dt.date(2026, 11, 6), pdf)
            for i, (number, pdf) in enumerate(zip(numbers, documents, strict=True), start=1)
        ]
        cover = CoverInfo("临汾市尧都区应急管理局", "基准案卷", "", "", None, None, "", "", "", "永久", 0, 0)
        notes = NotesInfo("", "", "", dt.date(2026, 11, 23))
        build_volume(entries, cover, notes, pool)  # warm: pool, fonts and the stamp sheet, as in a running service

        t0 = time.perf_counter()
        merged = pikepdf.new()
        sources = [_flatten(pdf) for pdf in documents]
        with merged.open_outline() as outline:
            for index, source in enumerate(sources):
                outline.root.append(pikepdf.OutlineItem(f"文书{index + 1}", len(merged.pages)))
                merged.pages.extend(source.pages)
        merged.save(io.BytesIO())
        merge_ms = (time.perf_counter() - t0) * 1000

        t0 = time.perf_counter()
        _pypdf_merge(documents)
        baseline_ms = (time.perf_counter() - t0) * 1000

        t0 = time.perf_counter()
        volume = build_volume(entries, cover, notes, pool)
        build_ms = (time.perf_counter() - t0) * 1000

        pki = _pki()
        sealer = Sealer()
        t0 = time.perf_counter()
        sealed = sealer.seal(volume.pdf, [SignatureSpec(key=pki.organ_seal, field_name="seal-organ")])
        seal_ms = (time.perf_counter() - t0) * 1000

        check_ms = float("nan")
        try:
            from anjuan.templates.volume.check import check_volume
        except ImportError:  # pragma: no cover - the checker ships with the same release
            pass
        else:
            t0 = time.perf_counter()
            report = check_volume(sealed)
            check_ms = (time.perf_counter() - t0) * 1000
            assert report.ok, report.findings
    finally:
        pool.close()
    return {
        "docs": n_docs,
        "pages": volume.pages,
        "merge_ms": merge_ms,
        "baseline_ms": baseline_ms,
        "build_ms": build_ms,
        "seal_ms": seal_ms,
        "check_ms": check_ms,
        "total_ms": build_ms + seal_ms + (0 if check_ms != check_ms else check_ms),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_casefile")
    parser.add_argument("--docs", type=int, default=60)
    args = parser.parse_args()
    for key, value in run(args.docs).items():
        print(f"{key:<12} {value:.1f}" if isinstance(value, float) else f"{key:<12} {value}")


if __name__ == "__main__":
    main()
