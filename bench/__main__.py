"""``make bench``: one table, measured in one run on this machine.

- render: DOCX from template (docxtpl), ms/doc
- conversion: warm UNO pool vs one cold ``soffice --convert-to`` per document (the naive baseline)
- end to end: issuing documents through the archive (number, render, convert, seal, store, index),
  latency p50/p95/max and docs/s with several concurrent issuers; the naive baseline indexes in the
  request (the slowest request then waits for everyone's indexing).
- search: Whoosh backend vs SQLite FTS5 + jieba on the same generated corpus (bench/bench_search.py).
- search analysis of pathological input (one long word, digit runs, brackets, highlighting): cost
  per 1,000 characters at 1–64 k, the naive analyser as the baseline (bench/bench_analysis.py).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from anjuan.archive.access import Principal
from anjuan.archive.config import Settings
from anjuan.archive.demo import load_scenario
from anjuan.archive.documents.context import build_context
from anjuan.archive.service import Archive

from . import bench_analysis, bench_casefile, bench_convert, bench_package, bench_search, bench_signing


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _fields() -> dict[str, dict]:
    out: dict[str, dict] = {}
    for case in load_scenario()["cases"]:
        for step in case["documents"]:
            out.setdefault(step["form"], step.get("fields", {}))
    return out


def _user(archive: Archive, admin: Principal, username: str, officer_id: int) -> Principal:
    archive.accounts.create_user(actor=admin, username=username, password="bench password", officer_id=officer_id)
    return archive.accounts.principal(username)


def end_to_end(n_docs: int, workers: int) -> dict[str, float]:
    fields = _fields()
    with (
        tempfile.TemporaryDirectory() as tmp,
        Archive(Settings(data_dir=Path(tmp), pki_passphrase="bench passphrase", password_log2_n=10)) as archive,
    ):
        archive.migrate()
        archive.accounts.bootstrap_admin(username="bench", password="bench password")
        admin = archive.accounts.principal("bench")
        org = archive.registry.create_org(
            actor=admin, name="临汾市尧都区应急管理局", area="晋临", code="应急", level="county"
        )
        officers = [
            archive.registry.create_officer(actor=admin, org_id=org.id, name=n, cert_no=c)
            for n, c in (("张伟", "14100220190031"), ("刘洋", "14100220200057"))
        ]
        handler = _user(archive, admin, "zhangwei", officers[0].id)
        party = archive.registry.create_party(
            actor=handler,
            kind="organisation",
            name="临汾市尧都区鑫达化工有限公司",
            credit_code="91141002MA0K1234EY",
        )
        cases = [
            archive.registry.create_case(
                actor=handler,
                org_id=org.id,
                kind="penalty",
                party_id=party.id,
                officer_ids=[o.id for o in officers],
            ).id
            for _ in range(n_docs)
        ]
        archive.kernel.converter  # noqa: B018  (warm the pool outside the measurement, as a server would be)

        # Render only (no conversion): the template cost per document.
        draft = archive.documents.create_draft(
            actor=handler,
            case_id=cases[0],
            form_key="penalty_decision_org",
            fields=fields["penalty_decision_org"],
        )
        with archive.kernel.db.read() as s:
            from anjuan.archive.documents.lifecycle import get_document

            ctx = build_context(
                s,
                catalogue=archive.kernel.rules.catalogue,
                clauses=archive.kernel.rules.clauses,
                doc=get_document(s, draft.id),
            )
        form = archive.kernel.rules.form("penalty_decision_org")
        assert form.template
        archive.kernel.renderer.render(form.template, ctx)
        t0 = time.perf_counter()
        for _ in range(20):
            archive.kernel.renderer.render(form.template, ctx)
        render_ms = (time.perf_counter() - t0) * 1000 / 20

        # 立案审批表 drafts, submitted and approved beforehand: what is timed is 签发 itself
        # (gates, number, render, convert, seal, store), as a handler triggers it.
        reviewer = _user(
            archive,
            admin,
            "zhaomin",
            archive.registry.create_officer(
                actor=admin, org_id=org.id, name="赵敏", cert_no="14100220170012", roles=["supervisor"]
            ).id,
        )
        deputy = _user(
            archive,
            admin,
            "sunjianjun",
            archive.registry.create_officer(
                actor=admin, org_id=org.id, name="孙建军", cert_no="14100220120005", roles=["deputy"]
            ).id,
        )

        def approved(case_ids: list[int]) -> list[int]:
            ready = []
            for case_id in case_ids:
                doc = archive.documents.create_draft(
                    actor=handler,
                    case_id=case_id,
                    form_key="case_filing_approval",
                    fields=fields["case_filing_approval"],
                )
                archive.approvals.submit(actor=handler, doc_id=doc.id)
                archive.approvals.decide(actor=reviewer, doc_id=doc.id, opinion="同意", approve=True)
                archive.approvals.decide(actor=deputy, doc_id=doc.id, opinion="同意", approve=True)
                ready.append(doc.id)
            return ready

        def timed(ready: list[int]) -> dict[str, float]:
            latencies: list[float] = []

            def issue(doc_id: int) -> None:
                start = time.perf_counter()
                archive.documents.issue(actor=handler, doc_id=doc_id)
                latencies.append((time.perf_counter() - start) * 1000)

            t0 = time.perf_counter()
            with ThreadPoolExecutor(max_workers=workers) as pool:
                list(pool.map(issue, ready))
            wall = time.perf_counter() - t0
            return {
                "p50": _pct(latencies, 0.5),
                "p95": _pct(latencies, 0.95),
                "max": max(latencies),
                "docs_per_s": len(ready) / wall,
            }

        # The naive baseline first: each request indexes, before it answers, whatever is pending —
        # under load that is everybody's changes (what the server did before its background indexer).
        search = archive.search
        search.sync()  # open the index and load the Chinese analyser outside the measurement
        background = search.after_change
        search.after_change = search.sync  # type: ignore[method-assign]
        naive = timed(approved(cases[: n_docs // 2]))
        search.after_change = background  # type: ignore[method-assign]
        result = timed(approved(cases[n_docs // 2 :]))
        search.wait_idle(60)
    return {"render_ms": render_ms, **result, **{f"naive_{k}": v for k, v in naive.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--docs", type=int, default=40, help="documents per measurement (end to end: half each way)")
    parser.add_argument("--cold-docs", type=int, default=6, help="documents for the cold soffice baseline")
    parser.add_argument("--workers", type=int, default=4, help="concurrent issuers end to end")
    parser.add_argument("--volume-docs", type=int, default=60, help="documents in the benchmark case file")
    parser.add_argument("--search-docs", type=int, default=50_000, help="records in the search benchmark")
    parser.add_argument("--search-large", action="store_true", help="search benchmark on 200,000 records")
    args = parser.parse_args()

    conv = bench_convert.run(args.docs, cold_docs=args.cold_docs)
    e2e = end_to_end(args.docs, args.workers)
    sig = bench_signing.run(args.docs)
    vol = bench_casefile.run(args.volume_docs)
    pkg = bench_package.run()
    search = bench_search.run(200_000 if args.search_large else args.search_docs)
    analysis = bench_analysis.run()
    rows = [
        ("render DOCX (template, cached)", f"{e2e['render_ms']:.1f} ms/doc", ""),
        (
            "convert: cold soffice per doc (baseline)",
            f"{conv['cold_ms']:.0f} ms/doc",
            f"{conv['cold_docs_per_s']:.2f} docs/s",
        ),
        ("convert: warm UNO pool", f"{conv['pool_ms']:.0f} ms/doc", f"{conv['pool_docs_per_s']:.1f} docs/s"),
        ("pool speed-up vs cold (target ≥ 6×)", f"{conv['speedup']:.1f}×", ""),
        ("seal PAdES B-B, image seal (target ≤ 30 ms)", f"{sig['seal_bb_ms']:.1f} ms/doc", ""),
        ("seal 2 officers + seal, B-B", f"{sig['seal_multi_ms']:.1f} ms/doc", ""),
        ("seal PAdES B-T, local TSA", f"{sig['seal_bt_ms']:.1f} ms/doc", ""),
        ("verify (target ≤ 25 ms)", f"{sig['verify_ms']:.1f} ms/doc", ""),
        (
            f"issue end to end ({args.workers} issuers), indexing in the request (baseline)",
            f"p50 {e2e['naive_p50']:.0f} / p95 {e2e['naive_p95']:.0f} / max {e2e['naive_max']:.0f} ms",
            f"{e2e['naive_docs_per_s']:.1f} docs/s",
        ),
        (
            f"issue end to end ({args.workers} issuers), background indexer",
            f"p50 {e2e['p50']:.0f} / p95 {e2e['p95']:.0f} / max {e2e['max']:.0f} ms",
            f"{e2e['docs_per_s']:.1f} docs/s (target ≥ 10)",
        ),
        (
            f"case file merge, {vol['docs']} docs: pypdf (baseline)",
            f"{vol['baseline_ms']:.0f} ms",
            "",
        ),
        (f"case file merge, {vol['docs']} docs: pikepdf", f"{vol['merge_ms']:.0f} ms", ""),
        (
            f"case file build + seal + check, {vol['docs']} docs / {vol['pages']} pages (target ≤ 1 s)",
            f"{vol['build_ms']:.0f} + {vol['seal_ms']:.0f} + {vol['check_ms']:.0f} ms",
            f"{vol['total_ms']:.0f} ms total",
        ),
        (
            f"package export + 四性 verify ({pkg['files']} files)",
            f"{pkg['export_ms']:.0f} + {pkg['verify_ms']:.0f} ms",
            "",
        ),
    ]
    rows += bench_search.rows(search)
    rows += bench_analysis.rows(analysis)
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'cost':<26} throughput")
    print("-" * (width + 50))
    for name, cost, rate in rows:
        print(f"{name:<{width}}  {cost:<26} {rate}")


if __name__ == "__main__":
    main()
