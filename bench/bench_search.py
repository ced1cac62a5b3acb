"""Benchmark: the Whoosh search backend against SQLite FTS5 (jieba tokens) on the same corpus.

    python -m bench.bench_search [--docs 50000] [--large]   (--large: 200,000 records)

The corpus is ``bench.search_corpus``: realistic issued documents, attachments and case files
generated from the catalogue, the templates' wording and the legal clauses. Both indexes get the
same records and the same queries, in the same run:

- indexing rate (docs/s) with two analysis processes and one writer;
- query latency p50/p95 for 1-term, 2-term AND, phrase, number lookup and filter + date range;
- phrase correctness: every phrase query's total against a plain substring scan of the corpus.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["run"]

_KEYS = frozenset(
    {
        "kinds",
        "forms",
        "org_subtree",
        "case_id",
        "party",
        "handler",
        "statuses",
        "procedure",
        "industry",
        "issued_from",
        "issued_to",
        "decided_from",
        "decided_to",
        "filed_from",
        "filed_to",
        "amount_min",
        "amount_max",
    }
)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _times(fn: Callable[[dict[str, Any]], Any], qs: list[dict[str, Any]], repeat: int) -> list[float]:
    out: list[float] = []
    for _ in range(repeat):
        for qd in qs:
            t0 = time.perf_counter()
            fn(qd)
            out.append((time.perf_counter() - t0) * 1000)
    return out


def _request(qd: dict[str, Any]) -> Any:
    from anjuan.indexing.api import SearchRequest, Visibility

    extra = {k: (tuple(v) if isinstance(v, list) else v) for k, v in qd.items() if k in _KEYS}
    return SearchRequest(query=qd["q"], visibility=Visibility.all(), size=10, **extra)


def run(n_docs: int = 50_000, repeat: int = 2, seed: int = 7, workers: int = 2) -> dict[str, Any]:
    from anjuan.indexing.analysis import squeeze
    from anjuan.indexing.whoosh_backend import WhooshBackend

    from .fts5_baseline import Fts5Baseline
    from .search_corpus import generate, queries

    docs = list(generate(n_docs, seed))  # materialised: neither index rate includes generation
    sample = random.Random(seed).sample(docs, min(len(docs), 3000))
    qsets = queries(sample, seed)
    out: dict[str, Any] = {"docs": len(docs), "types": {}}
    with tempfile.TemporaryDirectory() as tmp:
        backend = WhooshBackend(Path(tmp) / "whoosh", workers=workers)
        t0 = time.perf_counter()
        backend.rebuild(iter(docs), total=len(docs))
        out["whoosh_rate"] = len(docs) / (time.perf_counter() - t0)
        base = Fts5Baseline(Path(tmp))
        out["fts5_rate"] = base.index(docs, workers=workers)

        def whoosh(qd: dict[str, Any]) -> Any:
            return backend.search(_request(qd))

        for qs in qsets.values():  # warm both (page cache, jieba, analyzers) outside the timing
            for qd in qs[:3]:
                whoosh(qd)
                base.search(qd)
        for name, qs in qsets.items():
            w = _times(whoosh, qs, repeat=1)  # the first pass is cold for every query: count it
            w += _times(whoosh, qs, repeat=repeat - 1) if repeat > 1 else []
            f = _times(base.search, qs, repeat=repeat)
            out["types"][name] = {
                "n": len(qs),
                "whoosh_p50": statistics.median(w),
                "whoosh_p95": _pct(w, 0.95),
                "fts5_p50": statistics.median(f),
                "fts5_p95": _pct(f, 0.95),
            }
        # Phrase correctness: totals against a plain substring scan of the same records.
        texts = [squeeze(d.title) + "\x00" + squeeze(d.text) for d in docs]
        agree = 0
        for qd in qsets["phrase"]:
            parts = [squeeze(a or b) for a, b in re.findall(r'"([^"]*)"|(\S+)', qd["q"])]
            truth = sum(all(p in t for p in parts) for t in texts)
            agree += whoosh(qd).total == truth
        out["phrase_agree"] = (agree, len(qsets["phrase"]))
        base.close()
        backend.close()
    return out


def rows(result: dict[str, Any]) -> list[tuple[str, str, str]]:
    n = result["docs"]
    out = [
        (
            f"search index {n:,} records: FTS5+jieba (baseline) / Whoosh (target ≥ 300)",
            f"{result['fts5_rate']:.0f} / {result['whoosh_rate']:.0f} docs/s",
            "",
        )
    ]
    for name, t in result["types"].items():
        out.append(
            (
                f"search {name} ({t['n']} queries): FTS5 / Whoosh p50, p95 (target ≤ 100)",
                f"{t['fts5_p50']:.1f}, {t['fts5_p95']:.1f} ms",
                f"{t['whoosh_p50']:.1f}, {t['whoosh_p95']:.1f} ms",
            )
        )
    agree, total = result["phrase_agree"]
    out.append(("search phrase totals = substring scan", f"{agree}/{total}", ""))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_search")
    parser.add_argument("--docs", type=int, default=50_000)
    parser.add_argument("--large", action="store_true", help="200,000 records")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    result = run(200_000 if args.large else args.docs, repeat=args.repeat)
    for name, a, b in rows(result):
        print(f"{name:<80} {a:<24} {b}")


if __name__ == "__main__":
    main()
