"""The baseline the search benchmark compares against: the same corpus in SQLite FTS5 + jieba.

    python -m bench.fts5_baseline [--n 20000] [--workers 2]

What a careful first implementation would build: texts cut by jieba's search mode (default
dictionary, as anyone gets with ``pip install jieba``), space-joined, in an FTS5 table with the
default ``unicode61`` tokenizer (the ``trigram`` tokenizer cannot match two-character words, which
most Chinese query words are). Tokenising runs in ``workers`` processes; one writer thread inserts
in transactions of 1,000 rows. Structured fields live in a metadata table with indexes; exact
numbers (文号, 信用代码, 案号, 档号) are looked up there after normalising brackets and widths.

Query mapping: terms → AND of their jieba tokens; ``"…"`` → an FTS5 phrase of the phrase's tokens;
a number → metadata lookup; filters → the full-text match drives, then the metadata filters, ranked
by bm25 (FTS5 ``rank``), top 10.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import multiprocessing as mp
import queue
import random
import re
import sqlite3
import statistics
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import jieba
from anjuan.indexing.api import IndexDoc

__all__ = ["Fts5Baseline"]

BATCH = 1000  # rows per write transaction
LIMIT = 10

_SCHEMA = """
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(title, body);
CREATE TABLE IF NOT EXISTS meta (
    rowid INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    kind TEXT, form TEXT, org_id INTEGER, org_path TEXT, case_id INTEGER, status TEXT, procedure TEXT,
    industry TEXT, party TEXT, handlers TEXT,
    issued TEXT, decided TEXT, filed TEXT,   -- ISO dates: they compare as text
    amount REAL,
    number TEXT, number_key TEXT, number_tail TEXT, credit_code TEXT, case_no TEXT, case_no_key TEXT,
    case_no_tail TEXT, file_no_key TEXT
);
CREATE INDEX IF NOT EXISTS meta_number ON meta(number_key);
CREATE INDEX IF NOT EXISTS meta_number_tail ON meta(number_tail);
CREATE INDEX IF NOT EXISTS meta_credit ON meta(credit_code);
CREATE INDEX IF NOT EXISTS meta_case_no ON meta(case_no_key);
CREATE INDEX IF NOT EXISTS meta_case_no_tail ON meta(case_no_tail);
CREATE INDEX IF NOT EXISTS meta_file_no ON meta(file_no_key);
CREATE INDEX IF NOT EXISTS meta_form_amount ON meta(form, amount);
CREATE INDEX IF NOT EXISTS meta_issued ON meta(issued);
CREATE INDEX IF NOT EXISTS meta_org ON meta(org_id);
"""
_META_COLS = (
    "rowid, key, kind, form, org_id, org_path, case_id, status, procedure, industry, party, handlers, issued, "
    "decided, filed, amount, number, number_key, number_tail, credit_code, case_no, case_no_key, case_no_tail, "
    "file_no_key"
)

# ── text and number normalisation ─────────────────────────────────────────────────────────────

_WORD = re.compile(r"\w")  # jieba emits punctuation and spaces as tokens; unicode61 would drop them anyway
# Full-width ASCII → ASCII, ideographic space → space; every bracket style people type for （）〔〕.
_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_BRACKETS = str.maketrans(
    {
        "（": "(",
        "）": ")",
        "〔": "[",
        "〕": "]",
        "【": "[",
        "】": "]",
        "［": "[",
        "］": "]",
        "﹝": "[",
        "﹞": "]",
        "〈": "(",
        "〉": ")",
    }
)
_AREA = re.compile(r"^\([^)]*\)")
_LOOKS_NUMBER = (
    re.compile(r"\[\d{4}\]\d+(-\d+)?号$"),  # 文号 / 案号
    re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$"),  # 统一社会信用代码
    re.compile(r"^[A-Z0-9]+-[A-Z]+·\d{4}-[A-Z0-9]+-\d{4}$"),  # 档号
)


def number_key(text: str) -> str:
    """``（晋临）应急罚〔2023〕12号`` and ``(晋临)应急罚[2023]12号`` → one key."""
    return re.sub(r"\s+", "", text.translate(_BRACKETS).translate(_WIDTH)).upper()


def looks_like_number(text: str) -> bool:
    key = number_key(text)
    return any(p.search(key) for p in _LOOKS_NUMBER)


def tokens(text: str) -> list[str]:
    """jieba search-mode words (a long word and its dictionary sub-words), punctuation dropped."""
    return [t for t in jieba.lcut_for_search(text) if _WORD.search(t)]


def _init_worker() -> None:
    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()


def _tokenize(row: tuple[Any, ...]) -> tuple[Any, ...]:
    rowid, title, text, meta = row
    return rowid, " ".join(tokens(title)), " ".join(tokens(text)), meta


def _quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


# ── the baseline ──────────────────────────────────────────────────────────────────────────────


class Fts5Baseline:
    """SQLite FTS5 over jieba tokens plus a metadata table. ``path``: the database file, or a
    directory to put ``fts5.sqlite`` in. Keys must be new (the benchmark indexes fresh corpora)."""

    # Which filtered plan to use; ``python -m bench.fts5_baseline`` measures both. Both let the FTS
    # match drive (EXPLAIN: SCAN fts, then meta by rowid) and both compute bm25 for every match.
    # Kept "cte": 20,000 docs, 60 filter queries × 10 rounds interleaved, 2 CPUs shared with other
    # work — cte (MATERIALIZED) mean 16.1 / p50 15.0 / p95 39.3 ms; cross_join (fts asked for rank
    # order, filters applied while walking it) mean 17.1 / p50 16.4 / p95 42.7 ms. Driving from meta
    # (``rowid IN (SELECT rowid FROM fts …)``) was not an option: it loses the bm25 order.
    filter_plan = "cte"

    def __init__(self, path: str | Path) -> None:
        path = Path(path)
        self.path = path / "fts5.sqlite" if path.is_dir() else path
        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()  # before forking workers: they inherit the loaded dictionary
        self.conn = sqlite3.connect(self.path, check_same_thread=False)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.executescript(_SCHEMA)
        self._next = (self.conn.execute("SELECT max(rowid) FROM meta").fetchone()[0] or 0) + 1
        self._error: BaseException | None = None

    def close(self) -> None:
        self.conn.close()

    # indexing ----------------------------------------------------------------------------------

    def _rows(self, docs: Iterable[IndexDoc]) -> Iterator[tuple[Any, ...]]:
        for d in docs:
            rowid = self._next
            self._next += 1
            number = number_key(d.number) if d.number else None
            case_no = number_key(d.case_no) if d.case_no else None
            meta = (
                rowid,
                d.key,
                d.kind,
                d.form,
                d.org_id,
                "," + ",".join(map(str, d.org_path)) + ",",
                d.case_id,
                d.status,
                d.procedure,
                d.industry,
                d.party,
                "、".join(d.handlers),
                _iso(d.issued),
                _iso(d.decided),
                _iso(d.filed),
                d.amount,
                d.number,
                number,
                _AREA.sub("", number) if number else None,
                d.credit_code.upper() or None,
                d.case_no or None,
                case_no,
                _AREA.sub("", case_no) if case_no else None,
                number_key(d.file_no) if d.file_no else None,
            )
            yield rowid, d.title, d.text, meta

    def _writer(self, batches: queue.Queue[list[tuple[Any, ...]] | None]) -> None:
        """The single writer: one transaction per batch, then FTS5 ``optimize`` (merges the
        segments, as a finished index should be before it is searched)."""
        conn = sqlite3.connect(self.path)
        conn.execute("PRAGMA synchronous=NORMAL")
        try:
            while (batch := batches.get()) is not None:
                with conn:
                    conn.executemany("INSERT INTO fts(rowid, title, body) VALUES (?, ?, ?)", [b[:3] for b in batch])
                    conn.executemany(
                        f"INSERT INTO meta({_META_COLS}) VALUES ({', '.join('?' * 24)})", [b[3] for b in batch]
                    )
            with conn:
                conn.execute("INSERT INTO fts(fts) VALUES ('optimize')")
        except BaseException as exc:  # reported by index(); keep draining so the producer never blocks
            self._error = exc
            while batches.get() is not None:
                pass
        finally:
            conn.close()

    def index(self, docs: Iterable[IndexDoc], workers: int = 2) -> float:
        """Tokenise in ``workers`` processes, write from one thread; returns documents per second
        (including the final optimize)."""
        t0 = time.perf_counter()
        batches: queue.Queue[list[tuple[Any, ...]] | None] = queue.Queue(maxsize=8)
        n = 0
        # Fork before the writer thread exists: forking a multi-threaded process is unsafe.
        with mp.get_context("fork").Pool(workers, initializer=_init_worker) as pool:
            writer = threading.Thread(target=self._writer, args=(batches,), name="fts5-writer")
            writer.start()
            batch: list[tuple[Any, ...]] = []
            try:
                for row in pool.imap(_tokenize, self._rows(docs), chunksize=32):
                    batch.append(row)
                    n += 1
                    if len(batch) >= BATCH:
                        batches.put(batch)
                        batch = []
                if batch:
                    batches.put(batch)
            finally:
                batches.put(None)
                writer.join()
        if self._error is not None:
            raise RuntimeError("FTS5 writer failed") from self._error
        return n / (time.perf_counter() - t0)

    # searching ---------------------------------------------------------------------------------

    @staticmethod
    def match_expression(q: str) -> str:
        """The FTS5 MATCH string: each term's tokens ANDed, each quoted phrase an FTS5 phrase."""
        parts: list[str] = []
        for m in re.finditer(r'"([^"]*)"|(\S+)', q):
            if m.group(1) is not None:
                toks = tokens(m.group(1))
                if toks:
                    parts.append(_quote(" ".join(toks)))
            else:
                parts += [_quote(t) for t in tokens(m.group(2))]
        return " ".join(parts)

    @staticmethod
    def _filters(qdict: dict[str, Any]) -> tuple[list[str], list[Any]]:
        where: list[str] = []
        args: list[Any] = []

        def any_of(column: str, values: Any) -> None:
            if values:
                where.append(f"m.{column} IN ({', '.join('?' * len(values))})")
                args.extend(values)

        any_of("kind", qdict.get("kinds"))
        any_of("form", qdict.get("forms"))
        any_of("status", qdict.get("statuses"))
        if qdict.get("org_subtree") is not None:
            where.append("instr(m.org_path, ?) > 0")
            args.append(f",{qdict['org_subtree']},")
        for name in ("case_id", "procedure", "industry"):
            if qdict.get(name) not in (None, ""):
                where.append(f"m.{name} = ?")
                args.append(qdict[name])
        for name, column in (("party", "party"), ("handler", "handlers")):
            if qdict.get(name):
                where.append(f"instr(m.{column}, ?) > 0")
                args.append(qdict[name])
        for field in ("issued", "decided", "filed"):
            if qdict.get(f"{field}_from"):
                where.append(f"m.{field} >= ?")
                args.append(_iso(qdict[f"{field}_from"]))
            if qdict.get(f"{field}_to"):
                where.append(f"m.{field} <= ?")
                args.append(_iso(qdict[f"{field}_to"]))
        if qdict.get("amount_min") is not None:
            where.append("m.amount >= ?")
            args.append(qdict["amount_min"])
        if qdict.get("amount_max") is not None:
            where.append("m.amount <= ?")
            args.append(qdict["amount_max"])
        return where, args

    def number_lookup(self, q: str) -> list[str]:
        key = number_key(q)
        rows = self.conn.execute(
            "SELECT key FROM meta WHERE number_key = ?1 OR number_tail = ?1 OR credit_code = ?1 OR case_no_key = ?1"
            " OR case_no_tail = ?1 OR file_no_key = ?1 ORDER BY coalesce(filed, issued) DESC LIMIT ?2",
            (key, LIMIT),
        )
        return [r[0] for r in rows]

    def search(self, qdict: dict[str, Any], plan: str | None = None) -> list[str]:
        """Keys of the top 10 (bm25) for a benchmark query dict (``q`` + SearchRequest filters)."""
        q = (qdict.get("q") or "").strip()
        where, args = self._filters(qdict)
        if q and not where and looks_like_number(q):
            return self.number_lookup(q)
        match = self.match_expression(q) if q else ""
        if not match:  # filters only: newest first
            sql = "SELECT m.key FROM meta m"
            if where:
                sql += " WHERE " + " AND ".join(where)
            rows = self.conn.execute(sql + " ORDER BY coalesce(m.filed, m.issued) DESC LIMIT ?", (*args, LIMIT))
            return [r[0] for r in rows]
        if not where:
            # FTS5 ranks and limits inside the virtual table; the join touches only the ten winners.
            rows = self.conn.execute(
                "SELECT m.key FROM (SELECT rowid, rank FROM fts WHERE fts MATCH ? ORDER BY rank LIMIT ?) h"
                " JOIN meta m ON m.rowid = h.rowid ORDER BY h.rank",
                (match, LIMIT),
            )
            return [r[0] for r in rows]
        cond = " AND ".join(where)
        if (plan or self.filter_plan) == "cte":
            sql = (
                "WITH hits(rowid, rank) AS MATERIALIZED (SELECT rowid, rank FROM fts WHERE fts MATCH ?)"
                f" SELECT m.key FROM hits JOIN meta m ON m.rowid = hits.rowid WHERE {cond}"
                " ORDER BY hits.rank LIMIT ?"
            )
        else:  # CROSS JOIN fixes the loop order: fts outside, meta looked up by rowid inside
            sql = (
                "SELECT m.key FROM fts CROSS JOIN meta m ON m.rowid = fts.rowid"
                f" WHERE fts MATCH ? AND {cond} ORDER BY fts.rank LIMIT ?"
            )
        return [r[0] for r in self.conn.execute(sql, (match, *args, LIMIT))]

    def matches(self, qdict: dict[str, Any]) -> set[int]:
        """Rowids the full-text part matches, unranked and unlimited (for recall checks, not timed)."""
        match = self.match_expression((qdict.get("q") or "").strip())
        if not match:
            return set()
        return {r[0] for r in self.conn.execute("SELECT rowid FROM fts WHERE fts MATCH ?", (match,))}


# ── benchmark ─────────────────────────────────────────────────────────────────────────────────


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _time(fn: Any, qs: list[dict[str, Any]], repeat: int = 3) -> list[float]:
    times: list[float] = []
    for _ in range(repeat):
        for qd in qs:
            t = time.perf_counter()
            fn(qd)
            times.append((time.perf_counter() - t) * 1000)
    return times


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _main() -> None:
    from .search_corpus import generate, queries

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    t = time.perf_counter()
    docs = list(generate(args.n, args.seed))  # materialised: the index rate excludes generation
    print(f"generated {len(docs)} records in {time.perf_counter() - t:.1f} s")
    sample = random.Random(args.seed).sample(docs, min(len(docs), 3000))
    qsets = queries(sample, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        base = Fts5Baseline(Path(tmp))
        rate = base.index(docs, workers=args.workers)
        size = sum(p.stat().st_size for p in Path(tmp).iterdir()) / 2**20
        print(f"FTS5 index: {rate:,.0f} docs/s with {args.workers} tokenizer processes; {size:.0f} MiB on disk")
        for qs in qsets.values():  # warm the page cache and jieba once
            for qd in qs[:5]:
                base.search(qd)
        print(f"{'query type':12} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'empty':>6}")
        for name, qs in qsets.items():
            times = _time(base.search, qs)
            empty = sum(not base.search(qd) for qd in qs)
            print(f"{name:12} {len(qs):4} {statistics.median(times):8.2f} {_pct(times, 0.95):8.2f} {empty:6}")
        for plan in ("cross_join", "cte"):
            times = _time(lambda qd, plan=plan: base.search(qd, plan=plan), qsets["filter"])
            print(f"filter plan {plan:10}: p50 {statistics.median(times):.2f} ms, p95 {_pct(times, 0.95):.2f} ms")
        # The word index against plain substring truth (what a user expects of a phrase or a word);
        # rowids are 1..n in generation order in this fresh database.
        texts = [_squeeze(d.title + d.text) for d in docs]
        for name in ("one_term", "phrase", "two_term"):
            hit = truth = got = short = 0
            for qd in qsets[name]:
                parts = [_squeeze(p) for p in re.findall(r'"([^"]*)"|(\S+)', qd["q"]) for p in p if p]
                true = {i + 1 for i, x in enumerate(texts) if all(p in x for p in parts)}
                found = base.matches(qd)
                hit, truth, got = hit + len(found & true), truth + len(true), got + len(found)
                short += bool(true - found)
            print(
                f"{name:9}: FTS5 recall {hit / truth:.1%}, precision {hit / max(got, 1):.1%} against substring "
                f"truth; {short}/{len(qsets[name])} queries miss records"
            )
        base.close()


if __name__ == "__main__":
    _main()
