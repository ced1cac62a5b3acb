"""Benchmark: DOCX → PDF with the warm UNO pool vs one cold ``soffice --convert-to`` per document.

    python bench/bench_convert.py [--docs N] [--cold-docs M] [--threads T]

Both are measured in the same run on the same realistic document: a 2-page 行政处罚决定书 in the
GB/T 9704 layout (方正小标宋简体 title, 仿宋_GB2312 body, a table), made with python-docx, each copy
with its own case number so no cache can help. ``run(n_docs)`` returns the numbers as a dict for
the project-wide ``make bench`` table.

What is measured
    cold      ColdSofficeConverter, one document after the other: soffice start-up with a fresh
              profile, load, export, exit — the naive approach.
    latency   UnoPool (warm, size 2), one caller: the time one request waits.
    pool      UnoPool (warm, size 2), T caller threads feeding it: throughput; ms/doc = wall / N.
The pool's own start-up (both instances in parallel, done once per process) is reported apart.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import docx
from anjuan.templates.convert import ColdSofficeConverter, UnoPool
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.text.run import Run
from pypdf import PdfReader

__all__ = ["main", "make_document", "run"]

_FACTS = (
    "经查，你单位于{date}在未取得危险化学品安全使用许可证的情况下，在厂区东侧原料库房内储存甲醇、"
    "甲苯等危险化学品共计约{tons}吨，且储存场所未设置可燃气体浓度检测报警装置，未按照规定对重大"
    "危险源进行登记建档和定期检测、评估、监控，现场作业人员{workers}名均未经安全生产教育和培训合格即上岗作业。"
)
_EVIDENCE = (
    "以上事实有现场检查记录、询问笔录{n}份、现场照片{photos}张、危险化学品出入库台账复印件、"
    "营业执照复印件及法定代表人身份证明等证据为证，足以认定。"
)
_LAW = (
    "你单位的上述行为违反了《中华人民共和国安全生产法》第二十八条第一款、第四十条第一款和"
    "《危险化学品安全管理条例》第二十条的规定。依据《中华人民共和国安全生产法》第九十七条第三项、"
    "第一百零一条第二项和《危险化学品安全管理条例》第八十条第一款第二项的规定，经本机关集体讨论决定，"
    "对你单位作出如下行政处罚："
)
_PENALTY = "1. 罚款人民币{amount}元整（¥{amount_num}.00）；2. 责令限期改正，于{deadline}前完成整改。"
_PAYMENT = (
    "罚款自收到本决定书之日起十五日内缴至指定银行和账户。逾期不缴纳罚款的，本机关可以根据《中华人民共和国"
    "行政处罚法》第七十二条第一款第一项的规定，每日按罚款数额的百分之三加处罚款，加处罚款的数额不超过罚款数额。"
)
_REMEDY = (
    "你单位如不服本处罚决定，可以依法在六十日内向临汾市人民政府或者山西省应急管理厅申请行政复议，或者在六个月内"
    "依法向临汾市尧都区人民法院提起行政诉讼，但本决定不停止执行，法律另有规定的除外。"
    "逾期不申请行政复议或者不提起行政诉讼，又不履行本行政处罚决定的，本机关将依法申请人民法院强制执行。"
)


def _font(run: Run, east_asia: str, size: float, *, bold: bool = False) -> None:
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = "Times New Roman"
    rpr = run._element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), east_asia)
    rpr.append(rpr.makeelement(qn("w:lang"), {qn("w:val"): "en-US", qn("w:eastAsia"): "zh-CN"}))


def make_document(number: int) -> bytes:
    """A 2-page 行政处罚决定书 (GB/T 9704 page and type), unique per ``number``."""
    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)

    def paragraph(text: str, face: str = "仿宋_GB2312", size: float = 16, **kw: Any) -> None:
        para = document.add_paragraph()
        fmt = para.paragraph_format
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(28)
        fmt.space_after = Pt(0)
        if kw.get("center"):
            para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif kw.get("right"):
            para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        else:
            para.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            fmt.first_line_indent = Pt(size * 2)
        _font(para.add_run(text), face, size, bold=kw.get("bold", False))

    paragraph("临汾市尧都区应急管理局", "方正小标宋简体", 22, center=True)
    paragraph("行政处罚决定书（单位）", "方正小标宋简体", 22, center=True)
    paragraph(f"（晋临）应急罚〔2024〕{number}号", center=True)
    table = document.add_table(rows=3, cols=4)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    cells = (
        ("被处罚单位", "临汾市尧都区鑫达化工有限公司", "法定代表人", "王建国"),
        ("统一社会信用代码", "91141002MA0K1234EY", "联系电话", "0357-2021234"),
        ("地址", "临汾市尧都区屯里镇工业园区8号", "邮政编码", "041000"),
    )
    for row, values in zip(table.rows, cells, strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            _font(cell.paragraphs[0].add_run(value), "仿宋_GB2312", 12)
    paragraph(_FACTS.format(date=f"2024年3月{number % 28 + 1}日", tons=number % 9 + 2, workers=number % 5 + 3))
    paragraph(_EVIDENCE.format(n=number % 4 + 2, photos=number % 20 + 6))
    paragraph(_LAW)
    paragraph(_PENALTY.format(amount="叁万", amount_num=30000, deadline="2024年6月30日"))
    paragraph(_PAYMENT)
    paragraph(_REMEDY)
    paragraph("附件：1. 现场检查记录；2. 询问笔录；3. 整改通知书。")
    paragraph("临汾市尧都区应急管理局", right=True)
    paragraph("2024年5月9日", right=True)
    paragraph(f"（本文书一式两份，一份送达被处罚单位，一份归档。案件编号 LF-{number:06d}）", size=14)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _measure(convert: Callable[[bytes], bytes], docs: list[bytes], threads: int) -> dict[str, float]:
    latencies: list[float] = []

    def one(doc: bytes) -> bytes:
        start = time.perf_counter()
        pdf = convert(doc)
        latencies.append((time.perf_counter() - start) * 1000)
        return pdf

    start = time.perf_counter()
    if threads == 1:
        pdfs = [one(doc) for doc in docs]
    else:
        with ThreadPoolExecutor(max_workers=threads) as executor:
            pdfs = list(executor.map(one, docs))
    wall = time.perf_counter() - start
    assert all(pdf.startswith(b"%PDF") for pdf in pdfs)
    return {
        "docs": len(docs),
        "wall_s": wall,
        "ms_per_doc": wall * 1000 / len(docs),
        "docs_per_s": len(docs) / wall,
        "latency_p50_ms": statistics.median(latencies),
        "latency_max_ms": max(latencies),
        "pages": len(PdfReader(io.BytesIO(pdfs[0])).pages),
    }


def run(n_docs: int = 40, *, cold_docs: int | None = None, threads: int = 4, pool_size: int = 2) -> dict[str, Any]:
    """Measure cold vs pool; returns the rows plus the flat keys the ``make bench`` table uses:
    ``cold_ms``, ``cold_docs_per_s``, ``pool_ms``, ``pool_docs_per_s``, ``speedup``."""
    n_cold = min(n_docs, 8) if cold_docs is None else cold_docs
    docs = [make_document(i + 1) for i in range(n_docs)]

    with ColdSofficeConverter() as cold_converter:
        cold = _measure(cold_converter.convert, [make_document(10_000 + i) for i in range(n_cold)], 1)

    began = time.perf_counter()
    with UnoPool(pool_size=pool_size) as pool:
        start_s = time.perf_counter() - began
        latency = _measure(pool.convert, docs, 1)
        throughput = _measure(pool.convert, [make_document(20_000 + i) for i in range(n_docs)], threads)

    return {
        "cold": cold,
        "latency": latency,
        "pool": throughput,
        "pool_size": pool_size,
        "threads": threads,
        "pool_start_s": start_s,
        "cpus": os.cpu_count(),
        "cold_ms": cold["ms_per_doc"],
        "cold_docs_per_s": cold["docs_per_s"],
        "pool_ms": throughput["ms_per_doc"],
        "pool_docs_per_s": throughput["docs_per_s"],
        "speedup": cold["ms_per_doc"] / throughput["ms_per_doc"],
        "speedup_latency": cold["ms_per_doc"] / latency["ms_per_doc"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="DOCX → PDF: warm UNO pool vs cold soffice per document")
    parser.add_argument("--docs", type=int, default=40, help="documents per pool measurement (default 40)")
    parser.add_argument("--cold-docs", type=int, default=None, help="documents for cold soffice (default min(N, 8))")
    parser.add_argument("--threads", type=int, default=4, help="caller threads feeding the pool (default 4)")
    args = parser.parse_args(argv)

    result = run(args.docs, cold_docs=args.cold_docs, threads=args.threads)
    size, threads = result["pool_size"], result["threads"]
    rows = [
        ("cold soffice --convert-to, 1 per doc", result["cold"]),
        (f"UnoPool size {size}, 1 caller (latency)", result["latency"]),
        (f"UnoPool size {size}, {threads} callers (throughput)", result["pool"]),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"DOCX → PDF, {result['pool']['pages']}-page Chinese document, {result['cpus']} CPU cores")
    print(f"{'method':<{width}}  {'docs':>5}  {'ms/doc':>8}  {'docs/s':>7}  {'p50 ms':>7}  {'max ms':>7}")
    print("-" * (width + 46))
    for name, row in rows:
        print(
            f"{name:<{width}}  {row['docs']:>5}  {row['ms_per_doc']:>8.1f}  {row['docs_per_s']:>7.2f}"
            f"  {row['latency_p50_ms']:>7.1f}  {row['latency_max_ms']:>7.1f}"
        )
    print("-" * (width + 46))
    print(f"speed-up per document, pool throughput vs cold: {result['speedup']:.1f}×  (target ≥ 6×)")
    print(f"speed-up per document, pool single caller vs cold: {result['speedup_latency']:.1f}×")
    print(f"pool start-up ({size} instances in parallel, once per process): {result['pool_start_s']:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
