"""Benchmark: PAdES sealing and verification, ms per document.

    python bench/bench_signing.py [--docs N]

The document is the real 行政处罚决定书 rendition (PDF/A-2b, two pages) converted once by a small UNO
pool; the keys are the test PKI's (RSA-2048, kept in memory), the seal image the generated 行政执法专用章
PNG. ``run(n_docs)`` returns the numbers for the project-wide ``make bench`` table.

What is measured (warm: one untimed round first, as a running service would be)
    seal_bb_ms         B-B, one visible image seal at the template's anchor
    seal_multi_ms      B-B, two officers (invisible) + the seal: three incremental updates
    seal_bt_ms         B-T, one seal, timestamp from the in-process TSA (its own signing included)
    seal_bt_multi_ms   B-T, two officers + the seal (three timestamps)
    tsa_ms             what one in-process timestamp token costs the TSA (part of the B-T numbers)
    verify_ms          verify_pdf of the three-signature document (the common issued document)
    verify_single_ms   verify_pdf of the one-seal document
    verify_full_ms     the same three-signature document with pyHanko's full difference analysis only
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["main", "run"]

_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:  # the test PKI and TSA live in tests/fixtures
    sys.path.insert(0, str(_ROOT))


def _unsigned_pdf() -> bytes:
    from anjuan.templates import DocxRenderer
    from anjuan.templates.convert import UnoPool

    from tests.fixtures.samples import sample_context

    docx = DocxRenderer().render("penalty_decision_org", sample_context("penalty_decision_org"))
    pool = UnoPool(pool_size=1).start()
    try:
        return pool.convert(docx, pdfa=True)
    finally:
        pool.close()


def _ms_per_call(call: Callable[[], Any], n: int) -> float:
    call()  # warm: caches (image XObject, container size, fonts) filled, as in a running service
    start = time.perf_counter()
    for _ in range(n):
        call()
    return (time.perf_counter() - start) * 1000 / n


def run(n_docs: int = 40, *, pdf: bytes | None = None) -> dict[str, Any]:
    """Measure sealing and verification; returns ms/doc per measure (see the module docstring)."""
    from anjuan.signing import Sealer, SealOptions, SealRole, SignatureSpec, draw_seal, verify_pdf
    from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY

    from tests.fixtures.pki import BUREAU, build_test_pki
    from tests.fixtures.tsa import build_test_tsa

    unsigned = pdf if pdf is not None else _unsigned_pdf()
    with tempfile.TemporaryDirectory() as tmp:
        pki = build_test_pki(Path(tmp))
    tsa = build_test_tsa(pki)
    png = draw_seal(BUREAU, role=SealRole.enforcement)
    seal = [SignatureSpec(pki.enforcement_seal, "seal-enforcement", image=png)]
    multi = [
        SignatureSpec(pki.officers[0], "officer-1"),
        SignatureSpec(pki.officers[1], "officer-2"),
        *seal,
    ]
    bb = Sealer(SealOptions())
    bt = Sealer(SealOptions(level="B-T", timestamper=tsa.timestamper))
    roots = [pki.root_cert]
    single_doc = bb.seal(unsigned, seal)
    multi_doc = bb.seal(unsigned, multi)
    assert verify_pdf(single_doc, trust_roots=roots).ok and verify_pdf(multi_doc, trust_roots=roots).ok

    from asn1crypto import tsp

    request = tsp.TimeStampReq(
        {
            "version": 1,
            "message_imprint": {"hash_algorithm": {"algorithm": "sha256"}, "hashed_message": b"\0" * 32},
            "cert_req": True,
        }
    )
    n_slow = max(5, n_docs // 4)  # the TSA and the full analysis are slow: fewer rounds
    return {
        "docs": n_docs,
        "seal_bb_ms": _ms_per_call(lambda: bb.seal(unsigned, seal), n_docs),
        "seal_multi_ms": _ms_per_call(lambda: bb.seal(unsigned, multi), n_docs),
        "seal_bt_ms": _ms_per_call(lambda: bt.seal(unsigned, seal), n_slow),
        "seal_bt_multi_ms": _ms_per_call(lambda: bt.seal(unsigned, multi), n_slow),
        "tsa_ms": _ms_per_call(lambda: tsa.timestamper.request_tsa_response(request), n_slow),
        "verify_ms": _ms_per_call(lambda: verify_pdf(multi_doc, trust_roots=roots), n_docs),
        "verify_single_ms": _ms_per_call(lambda: verify_pdf(single_doc, trust_roots=roots), n_docs),
        "verify_full_ms": _ms_per_call(
            lambda: verify_pdf(multi_doc, trust_roots=roots, diff_policy=DEFAULT_DIFF_POLICY), n_slow
        ),
        "bytes_unsigned": len(unsigned),
        "bytes_single": len(single_doc),
        "bytes_multi": len(multi_doc),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python bench/bench_signing.py")
    parser.add_argument("--docs", type=int, default=40, help="documents per measurement")
    args = parser.parse_args()
    r = run(args.docs)
    rows = [
        ("seal B-B, one image seal (target ≤ 30 ms)", r["seal_bb_ms"]),
        ("seal B-B, 2 officers + seal", r["seal_multi_ms"]),
        ("seal B-T, one seal, local TSA", r["seal_bt_ms"]),
        ("seal B-T, 2 officers + seal, local TSA", r["seal_bt_multi_ms"]),
        ("  of which per timestamp token (TSA side)", r["tsa_ms"]),
        ("verify, 2 officers + seal (target ≤ 25 ms)", r["verify_ms"]),
        ("verify, one seal", r["verify_single_ms"]),
        ("verify, 2 officers + seal, pyHanko full diff", r["verify_full_ms"]),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"{'measure':<{width}}  ms/doc")
    print("-" * (width + 10))
    for name, value in rows:
        print(f"{name:<{width}}  {value:6.1f}")
    print(
        f"\nsizes: unsigned {r['bytes_unsigned']:,} B, one seal +{r['bytes_single'] - r['bytes_unsigned']:,} B, "
        f"three signatures +{r['bytes_multi'] - r['bytes_unsigned']:,} B ({r['docs']} documents per measure)"
    )


if __name__ == "__main__":
    main()
