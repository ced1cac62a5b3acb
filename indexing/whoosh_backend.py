"""The embedded search backend: Whoosh (whoosh-reloaded) postings, evaluated as bitsets.

Why it is built this way (measured on 2 cores, see ``bench/bench_search.py``):

- **Analysis runs outside the writer.** Records are analysed (jieba words, bigrams, number keys) in
  worker processes and handed to Whoosh pre-analysed (:class:`_Terms`), so the single writer only
  files postings. The writer keeps field lengths and postings in memory per batch instead of
  re-reading lengths from disk for every posting, which is most of stock Whoosh's commit time.
- **Matching is set algebra, ranking is BM25F on Whoosh postings.** Every term's posting list
  becomes a Python int used as a bitset (cached per immutable segment), so AND/OR/NOT, visibility,
  filters, totals and facets cost a few big-integer operations instead of a Python step per
  posting. Ranking scores the matching records (Whoosh's BM25F scorer, skipping through the
  postings of the query's words to them) — see :func:`_ranked` for large result sets.
- **Phrases are exact.** A phrase of three or more characters is first narrowed to the records that
  contain all its bigrams, then confirmed by a substring search in the text store (``texts.bin``:
  every record's squeezed text, UTF-16, append-only, memory-mapped) — the same test a plain scan
  would make, done in C.
- **Generations.** The index lives in ``gen-N/`` and ``CURRENT`` names the live one. A rebuild
  writes ``gen-N+1`` beside it and switches ``CURRENT`` atomically when it is complete, so a crash
  part-way leaves the old index serving. ``meta.json`` records the schema version; a different
  version makes :meth:`WhooshBackend.current` false and the caller rebuilds — it never crashes.
- **One writer.** Writes take an exclusive ``flock`` (retried with back-off up to a timeout) across
  processes, then a Whoosh writer; searches never lock.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import html
import itertools
import json
import mmap
import multiprocessing
import os
import re
import shutil
import threading
import time
import zlib
from bisect import bisect_left, bisect_right
from collections import Counter, OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from struct import Struct
from typing import Any

from whoosh import columns, formats, index, query, writing
from whoosh import fields as wf

from .analysis import Analyzer, bigrams, fold, number_keys, squeeze
from .api import FACETS, Hit, IndexDoc, IndexStats, Progress, SearchRequest, SearchResult
from .errors import IndexingError, IndexLocked, InvalidQuery
from .query import And, Match, Node, Not, Or, QuerySyntaxError, Range, parse

__all__ = ["SCHEMA_VERSION", "WhooshBackend"]

#: bump when the schema or the analysis changes: an index of another version is rebuilt
SCHEMA_VERSION = 2
_EPOCH = dt.date(1970, 1, 1)
_SEP = "\x00"  # between title and body in the matching text: no phrase contains it
_pack_u = Struct("!I").pack
_ONE = (1, 1.0, b"")
_MERGE_AT = 10  # segments before an incremental commit merges the small ones


# ── schema ─────────────────────────────────────────────────────────────────────────────────────


class _Terms(wf.FieldType):
    """A field whose value is already analysed: a list of (bytes, freq, weight, value) postings
    (or plain strings for existence-only keyword fields). Analysis happens in the workers."""

    def __init__(self, fmt: formats.Format, scorable: bool = False) -> None:
        self.format = fmt
        self.analyzer = None
        self.scorable = scorable
        self.stored = False
        self.unique = False
        self.vector = None
        self.column_type = None

    def index(self, value: Any, **kwargs: Any) -> Iterable[tuple[bytes, int, float, bytes]]:
        if value and isinstance(value[0], str):
            return [(t.encode("utf-8"), *_ONE) for t in set(value)]
        return value

    def to_bytes(self, value: Any) -> bytes:
        return value.encode("utf-8") if isinstance(value, str) else value

    def separate_spelling(self) -> bool:
        return False


def _schema() -> wf.Schema:
    keyword = {
        name: _Terms(formats.Existence())
        for name in ("kind", "form", "status", "procedure", "industry", "org", "orgself", "case", "creator")
    }
    keyword.update({name: _Terms(formats.Existence()) for name in ("party", "handler", "num", "year")})
    return wf.Schema(
        key=wf.ID(stored=True, unique=True, sortable=True),
        words=_Terms(formats.Frequency(), scorable=True),
        ngram=_Terms(formats.Frequency(), scorable=True),
        meta=wf.STORED(),
        body=wf.STORED(),
        # per-record numbers live in columns only: filters, sorting and the text store read them
        # as arrays, so Whoosh's tiered numeric range terms (8–16 postings each) are not needed
        sortdate=wf.COLUMN(columns.NumericColumn("i")),
        issued=wf.COLUMN(columns.NumericColumn("i")),
        decided=wf.COLUMN(columns.NumericColumn("i")),
        filed=wf.COLUMN(columns.NumericColumn("i")),
        amount=wf.COLUMN(columns.NumericColumn("q", default=-1)),  # 分 (fen); -1 = none
        toff=wf.COLUMN(columns.NumericColumn("q")),
        tlen=wf.COLUMN(columns.NumericColumn("i")),
        ttitle=wf.COLUMN(columns.NumericColumn("i")),
        **keyword,
    )


def _days(day: dt.date | None) -> int:
    return (day - _EPOCH).days if day else 0


def _date(days: int) -> dt.date | None:
    return _EPOCH + dt.timedelta(days=days) if days else None


# ── analysis (runs in worker processes for bulk work) ──────────────────────────────────────────

_worker_analyzer: Analyzer | None = None


def _init_worker(extra_words: tuple[str, ...]) -> None:
    global _worker_analyzer
    _worker_analyzer = Analyzer.shared(extra_words)


def _postings(counts: Counter[str]) -> list[tuple[bytes, int, float, bytes]]:
    return [(t.encode("utf-8"), f, float(f), _pack_u(f)) for t, f in counts.items()]


@dataclass(slots=True)
class _Prepared:
    key: str
    fields: dict[str, Any]
    text16: bytes  # squeezed title + _SEP + body, UTF-16-LE, for the text store
    title_len: int  # characters of the squeezed title (title-only substring matches)


def _prepare(doc: IndexDoc, analyzer: Analyzer | None = None) -> _Prepared:
    analyzer = analyzer or _worker_analyzer
    assert analyzer is not None
    squeezed_title, squeezed_body = squeeze(doc.title), squeeze(doc.text)
    matching = squeezed_title + _SEP + squeezed_body
    # Title and body each end with a one-character term, so a single-character query finds a
    # character wherever it stands (see analysis.bigrams).
    ngrams = Counter(g for part in (squeezed_title, squeezed_body) for g, _ in bigrams(part))
    words = analyzer.word_counts(doc.title + "\n" + doc.text)
    for word in analyzer.words(doc.title):  # a word in the title counts double for ranking
        words[word] += 1
    numbers = {k for n in (doc.number, doc.credit_code, doc.case_no, doc.file_no) for k in number_keys(n)}
    forms = [f for f in (doc.form, fold(doc.form_name)) if f]
    date = doc.date
    meta = {
        "kind": doc.kind,
        "title": doc.title,
        "form": doc.form,
        "form_name": doc.form_name,
        "number": doc.number,
        "org_id": doc.org_id,
        "case_id": doc.case_id,
        "party": doc.party,
        "status": doc.status,
        "date": date.isoformat() if date else None,
    }
    values: dict[str, Any] = {
        "key": doc.key,
        "words": _postings(words),
        "ngram": _postings(ngrams),
        "meta": meta,
        "body": zlib.compress(doc.text.encode("utf-8"), 1),
        "sortdate": _days(date),
        "issued": _days(doc.issued),
        "decided": _days(doc.decided),
        "filed": _days(doc.filed),
        "amount": round(doc.amount * 100) if doc.amount is not None else -1,
        "kind": [doc.kind],
        "form": forms,
        "status": [doc.status] if doc.status else [],
        "procedure": [doc.procedure] if doc.procedure else [],
        "industry": [fold(doc.industry)] if doc.industry else [],
        "org": [str(o) for o in (doc.org_path or (doc.org_id,))] + ([fold(doc.org_name)] if doc.org_name else []),
        "orgself": [str(doc.org_id)],
        "case": [str(doc.case_id)] if doc.case_id else [],
        "creator": [doc.creator] if doc.creator else [],
        "party": [fold(doc.party)] if doc.party else [],
        "handler": [fold(h) for h in doc.handlers if h],
        "num": sorted(numbers),
        "year": [str(date.year)] if date else [],
    }
    # Whoosh skips None but not empty lists; drop empties so absent stays absent.
    values = {k: v for k, v in values.items() if not (isinstance(v, list) and not v)}
    return _Prepared(doc.key, values, matching.encode("utf-16-le"), len(squeezed_title))


def _prepare_in_worker(doc: IndexDoc) -> _Prepared:
    return _prepare(doc)


# ── the writer: whole-batch postings in memory, lengths cached ─────────────────────────────────


class _MemoryPool:
    """Postings grouped by term as they arrive, in columns (docnums only increase within a batch),
    so a flush sorts the distinct terms once and hands each term's postings over block by block."""

    def __init__(self) -> None:
        self.terms: dict[tuple[str, bytes], tuple[list[int], list[float], list[bytes]]] = {}

    def add(self, item: tuple[str, bytes, int, float, bytes]) -> None:
        fieldname, btext, docnum, weight, value = item
        self.extend(fieldname, btext, docnum, weight, value)

    def extend(self, fieldname: str, btext: bytes, docnum: int, weight: float, value: bytes) -> None:
        cols = self.terms.get((fieldname, btext))
        if cols is None:
            self.terms[(fieldname, btext)] = ([docnum], [weight], [value])
        else:
            cols[0].append(docnum)
            cols[1].append(weight)
            cols[2].append(value)

    def iter_postings(self) -> Iterator[tuple[str, bytes, int, float, bytes]]:
        for fieldname, btext in sorted(self.terms):
            ids, weights, values = self.terms[(fieldname, btext)]
            for docnum, weight, value in zip(ids, weights, values, strict=True):
                yield fieldname, btext, docnum, weight, value

    def cleanup(self) -> None:
        self.terms.clear()


class _CachedLengths:
    """Field lengths read once per field, not once per posting (stock Whoosh seeks per posting)."""

    def __init__(self, reader: Any) -> None:
        self._reader = reader
        self._cache: dict[str, Any] = {}

    def lengths(self, fieldname: str) -> list[int]:
        lengths = self._cache.get(fieldname)
        if lengths is None:
            lengths = self._cache[fieldname] = _column_lengths(self._reader, fieldname)
        return lengths

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        lengths = self.lengths(fieldname)
        return lengths[docnum] if docnum < len(lengths) else default

    def __getattr__(self, name: str) -> Any:
        return getattr(self._reader, name)


def _column_lengths(reader: Any, fieldname: str) -> list[int]:
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
    from whoosh.util.numeric import byte_to_length

    col = reader._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    if col is None:
        return []
    table = [byte_to_length(b) for b in range(256)]
    return [table[b] for b in col]


class _Writer(writing.SegmentWriter):
    def __init__(self, ix: Any, **kwargs: Any) -> None:
        super().__init__(ix, **kwargs)
        self.pool = _MemoryPool()

    def add_document(self, **fields: Any) -> None:
        """Whoosh's add_document, less its per-posting tuple: pre-analysed postings go straight
        into the pool's columns (this loop runs a thousand times per record)."""
        self._check_state()
        schema = self.schema
        docnum = self.docnum
        perdoc = self.perdocwriter
        terms = self.pool.terms
        perdoc.start_doc(docnum)
        try:
            for fieldname in sorted(fields):
                value = fields[fieldname]
                if value is None or fieldname.startswith("_"):
                    continue
                field = schema[fieldname]
                length = 0
                if field.indexed:
                    scorable = field.scorable
                    for tbytes, freq, weight, vbytes in field.index(value):
                        if scorable:
                            length += freq
                        cols = terms.get((fieldname, tbytes))
                        if cols is None:
                            terms[(fieldname, tbytes)] = ([docnum], [weight], [vbytes])
                        else:
                            cols[0].append(docnum)
                            cols[1].append(weight)
                            cols[2].append(vbytes)
                perdoc.add_field(fieldname, field, value if field.stored else None, length)
                column = field.column_type
                if column:
                    cv = value if isinstance(field, wf.COLUMN) else field.to_column_value(value)
                    perdoc.add_column_value(fieldname, column, cv)
        except BaseException:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        pdr = self.per_document_reader() if self.codec.length_stats else None
        try:
            _bulk_postings(self.fieldwriter, self.schema, _CachedLengths(pdr) if pdr else None, self.pool.terms)
        finally:
            self.fieldwriter.close()
            if pdr:
                pdr.close()

    def write_postings(self, lengths: Any, items: Any, startdoc: int, docmap: Any) -> None:
        super().write_postings(_CachedLengths(lengths) if lengths else None, items, startdoc, docmap)


def _bulk_postings(fw: Any, schema: wf.Schema, lengths: _CachedLengths | None, terms: dict[Any, Any]) -> None:
    """Write every term's postings a block at a time (what FieldWriter.add_postings does one
    posting at a time), keeping Whoosh's block layout and statistics exactly."""
    current = None
    lens: list[int] = []
    for fieldname, btext in sorted(terms):
        ids, weights, values = terms[(fieldname, btext)]
        if fieldname != current:
            if current is not None:
                fw.finish_field()
            field = schema[fieldname]
            fw.start_field(fieldname, field)
            current = fieldname
            lens = lengths.lengths(fieldname) if lengths is not None and field.scorable else []
        fw.start_term(btext)
        pw = fw._postwriter
        limit = pw._blocklimit
        for i in range(0, len(ids), limit):
            if pw._ids:
                pw._write_block()
            block_ids = ids[i : i + limit]
            block_weights = weights[i : i + limit]
            pw._ids.extend(block_ids)
            pw._weights.extend(block_weights)
            pw._values.extend(v for v in values[i : i + limit] if v)
            pw._maxweight = max(block_weights)
            if lens:
                block_lens = [lens[d] for d in block_ids if d < len(lens) and lens[d]]
                if block_lens:
                    pw._minlength = min(block_lens)
                    pw._maxlength = max(block_lens)
        fw.finish_term()
    if current is not None:
        fw.finish_field()


# ── read side: per-segment caches of bitsets and columns ───────────────────────────────────────


def _bits_from(ids: Iterable[int], n: int) -> int:
    mask = bytearray(b"0") * n
    for i in ids:
        mask[i] = 49  # "1"
    mask.reverse()
    return int(mask, 2) if n else 0


_BIN_TO_BYTE = bytes.maketrans(b"01", b"\x00\x01")


def _mask(bits: int, n: int) -> bytes:
    """bit i → byte i (0/1), for O(1) membership tests and C-speed iteration."""
    return format(bits, "b").zfill(n)[::-1].encode("ascii").translate(_BIN_TO_BYTE) if n else b""


def _ids(bits: int, n: int) -> list[int]:
    return list(itertools.compress(range(n), _mask(bits, n)))


class _Segment:
    """What is cached for one immutable segment (keyed by segment id and deletion count)."""

    def __init__(self, reader: Any) -> None:
        self.reader = reader
        self.n = reader.doc_count_all()
        self.live = _bits_from(reader.all_doc_ids(), self.n) if reader.has_deletions() else (1 << self.n) - 1
        self._terms: OrderedDict[tuple[str, str], int] = OrderedDict()
        self._columns: dict[str, list[Any]] = {}
        self._lexicons: dict[str, list[str]] = {}
        self.lock = threading.Lock()

    def column(self, name: str) -> list[Any]:
        col = self._columns.get(name)
        if col is None:
            col = self._columns[name] = list(self.reader.column_reader(name))
        return col

    def lexicon(self, fieldname: str) -> list[str]:
        lex = self._lexicons.get(fieldname)
        if lex is None:
            lex = self._lexicons[fieldname] = [t.decode("utf-8") for t in self.reader.lexicon(fieldname)]
        return lex

    def term(self, fieldname: str, text: str) -> int:
        key = (fieldname, text)
        bits = self._terms.get(key)
        if bits is not None:
            self._terms.move_to_end(key)
            return bits
        btext = text.encode("utf-8")
        if (fieldname, btext) not in self.reader:
            bits = 0
        else:
            mask = bytearray(b"0") * self.n
            matcher = self.reader.postings(fieldname, btext)
            # Deleted documents are masked by ``live``, so read past Whoosh's deletion filter.
            while not hasattr(matcher, "_read_ids") and hasattr(matcher, "child"):
                matcher = matcher.child
            if hasattr(matcher, "_read_ids"):
                # whole blocks of ids at a time, not one matcher step per posting
                while matcher.is_active():
                    matcher._read_ids()
                    for i in matcher._ids:
                        mask[i] = 49
                    matcher._next_block()
            else:  # another codec: the public, slower way
                for i in matcher.all_ids():
                    mask[i] = 49
            mask.reverse()
            bits = int(mask, 2) if self.n else 0
        with self.lock:
            self._terms[key] = bits
            if len(self._terms) > 4096:
                self._terms.popitem(last=False)
        return bits

    def prefix(self, fieldname: str, text: str) -> int:
        bits = 0
        for term in self.reader.expand_prefix(fieldname, text.encode("utf-8")):
            bits |= self.term(fieldname, term.decode("utf-8"))
        return bits


@dataclass
class _View:
    """One searcher generation: its segments with offsets, and columns composed across them."""

    searcher: Any
    segments: list[tuple[_Segment, int]]
    n: int
    live: int
    _cols: dict[str, list[Any]] = field(default_factory=dict)
    _sorted: dict[str, tuple[list[Any], list[int]]] = field(default_factory=dict)
    _phrases: OrderedDict[str, int] = field(default_factory=OrderedDict)

    def term(self, fieldname: str, text: str) -> int:
        bits = 0
        for seg, offset in self.segments:
            bits |= seg.term(fieldname, text) << offset
        return bits

    def prefix(self, fieldname: str, text: str) -> int:
        bits = 0
        for seg, offset in self.segments:
            bits |= seg.prefix(fieldname, text) << offset
        return bits

    def lexicon(self, fieldname: str) -> set[str]:
        out: set[str] = set()
        for seg, _ in self.segments:
            out.update(seg.lexicon(fieldname))
        return out

    def column(self, name: str) -> list[Any]:
        col = self._cols.get(name)
        if col is None:
            col = []
            for seg, _ in self.segments:
                col.extend(seg.column(name))
            self._cols[name] = col
        return col

    def by_value(self, name: str) -> tuple[list[Any], list[int]]:
        """Docnums sorted by a column's value (values alongside), for ranges and date order."""
        cached = self._sorted.get(name)
        if cached is None:
            col = self.column(name)
            order = sorted(range(len(col)), key=col.__getitem__)
            cached = self._sorted[name] = ([col[i] for i in order], order)
        return cached


class WhooshBackend:
    """The embedded default :class:`~anjuan.indexing.api.SearchBackend`."""

    def __init__(
        self,
        path: Path,
        *,
        extra_words: Sequence[str] = (),
        workers: int = 2,
        lock_timeout: float = 30.0,
        batch_size: int = 2000,
    ) -> None:
        self.root = Path(path)
        self.root.mkdir(parents=True, exist_ok=True)
        self.extra_words = tuple(extra_words)
        self.workers = max(1, workers)
        self.lock_timeout = lock_timeout
        self.batch_size = batch_size
        self._analyzer: Analyzer | None = None
        self._view: _View | None = None
        self._view_gen: tuple[str, int] | None = None
        self._retired: list[tuple[float, _View]] = []
        self._segments: dict[tuple[Any, ...], _Segment] = {}
        self._store: tuple[str, int, mmap.mmap | None] | None = None
        self._read_lock = threading.RLock()
        self._reads = threading.Lock()  # around every read of postings / stored fields (see search)
        self._write_lock = threading.Lock()
        self._cleanup_partial()
        if self._current() is None:
            self._create_generation(activate=True)

    # ── generations ──

    def _current(self) -> Path | None:
        try:
            name = (self.root / "CURRENT").read_text().strip()
        except FileNotFoundError:
            return None
        gen = self.root / name
        return gen if (gen / "meta.json").exists() else None

    def _meta(self, gen: Path) -> dict[str, Any]:
        try:
            return json.loads((gen / "meta.json").read_text())
        except (OSError, ValueError):
            return {}

    def current(self) -> bool:
        """Whether the live index has this code's schema version (otherwise: rebuild it)."""
        gen = self._current()
        return bool(gen and self._meta(gen).get("schema_version") == SCHEMA_VERSION and index.exists_in(gen))

    def _create_generation(self, *, activate: bool) -> Path:
        numbers = [int(p.name[4:]) for p in self.root.glob("gen-*") if p.name[4:].isdigit()]
        gen = self.root / f"gen-{max(numbers, default=0) + 1}"
        gen.mkdir()
        index.create_in(gen, _schema())
        (gen / "texts.bin").touch()
        meta = {"schema_version": SCHEMA_VERSION, "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
        (gen / "meta.json").write_text(json.dumps(meta))
        if activate:
            self._activate(gen)
        return gen

    def _activate(self, gen: Path) -> None:
        tmp = self.root / "CURRENT.tmp"
        tmp.write_text(gen.name)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, self.root / "CURRENT")
        fd = os.open(self.root, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def _cleanup_partial(self) -> None:
        """Remove generations a crashed rebuild left behind (never the live one)."""
        live = self._current()
        with contextlib.suppress(IndexLocked), self._locked(timeout=0.0):
            for gen in self.root.glob("gen-*"):
                if live is None or gen.name != live.name:
                    shutil.rmtree(gen, ignore_errors=True)

    @contextlib.contextmanager
    def _locked(self, timeout: float | None = None) -> Iterator[None]:
        """The single-writer lock, across threads and processes, with retry and back-off."""
        timeout = self.lock_timeout if timeout is None else timeout
        with self._write_lock:
            fh = open(self.root / "write.lock", "a+")  # noqa: SIM115 (held for the block)
            try:
                deadline = time.monotonic() + timeout
                delay = 0.01
                while True:
                    try:
                        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        if time.monotonic() >= deadline:
                            raise IndexLocked(
                                f"检索索引正被其他进程写入，{timeout:.0f} 秒内未能获得写锁",
                                f"the search index is being written by another process; no lock within {timeout:.0f} s",
                                details={"path": str(self.root)},
                            ) from None
                        time.sleep(delay)
                        delay = min(delay * 2, 0.5)
                yield
            finally:
                fh.close()  # releases the flock

    def _analyzer_here(self) -> Analyzer:
        if self._analyzer is None:
            self._analyzer = Analyzer.shared(self.extra_words)
        return self._analyzer

    # ── writing ──

    def index(self, docs: Iterable[IndexDoc], *, checkpoint: str | None = None, wait: float | None = None) -> int:
        docs = list(docs)
        # Small batches (a document just issued) are analysed here: a worker pool costs more to
        # start than the analysis. Analysis happens before the lock, so writers queue briefly.
        prepared = [_prepare(d, self._analyzer_here()) for d in docs] if len(docs) < 64 else None
        with self._locked(wait):
            gen = self._require_current()
            written = 0
            if docs:
                items = iter(prepared) if prepared is not None else self._prepare_parallel(docs)
                written = self._write(gen, items, replace=True)
            if checkpoint is not None:
                self._set_checkpoint(gen, checkpoint)
        return written

    def checkpoint(self) -> str | None:
        """The caller's marker saved with the last write (e.g. the last event indexed)."""
        gen = self._current()
        try:
            return (gen / "checkpoint").read_text().strip() or None if gen else None
        except FileNotFoundError:
            return None

    @staticmethod
    def _set_checkpoint(gen: Path, value: str) -> None:
        tmp = gen / "checkpoint.tmp"
        tmp.write_text(value)
        os.replace(tmp, gen / "checkpoint")

    def delete(self, keys: Sequence[str], *, wait: float | None = None) -> int:
        if not keys:
            return 0
        with self._locked(wait):
            gen = self._require_current()
            ix = index.open_dir(gen)
            writer = _Writer(ix)
            try:
                removed = sum(writer.delete_by_term("key", k) for k in keys)
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
        self._invalidate()
        return removed

    def rebuild(
        self,
        docs: Iterable[IndexDoc],
        total: int | None = None,
        progress: Progress | None = None,
        *,
        checkpoint: str | None = None,
    ) -> int:
        with self._locked():
            gen = self._create_generation(activate=False)
            try:
                written = self._write(gen, self._prepare_parallel(docs), replace=False, total=total, progress=progress)
                if checkpoint is not None:
                    self._set_checkpoint(gen, checkpoint)
                self._activate(gen)
            except BaseException:
                shutil.rmtree(gen, ignore_errors=True)
                raise
            for old in self.root.glob("gen-*"):
                if old.name != gen.name:
                    shutil.rmtree(old, ignore_errors=True)
        self._invalidate()
        return written

    def _require_current(self) -> Path:
        gen = self._current()
        if gen is None or not self.current():
            raise IndexingError(
                "检索索引版本与程序不一致，需要重建（anjuan index rebuild）",
                "the search index has another schema version and must be rebuilt (anjuan index rebuild)",
                code="index_outdated",
                details={"path": str(self.root)},
            )
        return gen

    def _prepare_parallel(self, docs: Iterable[IndexDoc]) -> Iterator[_Prepared]:
        if self.workers < 2:
            analyzer = self._analyzer_here()
            yield from (_prepare(d, analyzer) for d in docs)
            return
        # spawn, not fork: the API server has threads (and a LibreOffice pool) we must not clone.
        ctx = multiprocessing.get_context("spawn")
        with ctx.Pool(self.workers, initializer=_init_worker, initargs=(self.extra_words,)) as pool:
            yield from pool.imap(_prepare_in_worker, docs, chunksize=32)

    def _write(
        self,
        gen: Path,
        prepared: Iterator[_Prepared],
        *,
        replace: bool,
        total: int | None = None,
        progress: Progress | None = None,
    ) -> int:
        ix = index.open_dir(gen)
        written = 0
        with open(gen / "texts.bin", "ab") as store:
            offset = store.tell()
            batch: list[_Prepared] = []
            for item in prepared:
                batch.append(item)
                if len(batch) >= self.batch_size:
                    offset = self._commit(ix, store, offset, batch, replace)
                    written += len(batch)
                    batch = []
                    if progress:
                        progress(written, total or written)
            if batch:
                self._commit(ix, store, offset, batch, replace)
                written += len(batch)
                if progress:
                    progress(written, total or written)
        self._invalidate()
        return written

    def _commit(self, ix: Any, store: Any, offset: int, batch: list[_Prepared], replace: bool) -> int:
        # Text first, made durable, then the postings that point at it: a crash in between leaves
        # unreferenced bytes in the store, never a posting without its text.
        for item in batch:
            item.fields["toff"] = offset
            item.fields["tlen"] = len(item.text16)
            item.fields["ttitle"] = item.title_len
            store.write(item.text16)
            offset += len(item.text16)
        store.flush()
        os.fsync(store.fileno())
        writer = _Writer(ix, limitmb=512)
        try:
            for item in batch:
                if replace:
                    writer.update_document(**item.fields)
                else:
                    writer.add_document(**item.fields)
        except BaseException:
            writer.cancel()
            raise
        # Whoosh's MERGE_SMALL on every commit re-merges the small segments each single-document
        # commit leaves (half the cost of indexing one issued document); merge once they pile up.
        writer.commit(merge=replace and len(writer.segments) >= _MERGE_AT)
        return offset

    # ── reading ──

    def _invalidate(self) -> None:
        with self._read_lock:
            self._view_gen = None

    def _view_now(self) -> tuple[_View, mmap.mmap | None]:
        # A writer may merge and delete segments between our reading the table of contents and
        # opening them: open again from the newer table (a few tries), as Whoosh itself does not.
        for attempt in range(5):
            try:
                return self._open_view()
            except FileNotFoundError:
                if attempt == 4:
                    raise
                time.sleep(0.01 * (attempt + 1))
        raise AssertionError("unreachable")

    def _open_view(self) -> tuple[_View, mmap.mmap | None]:
        gen = self._current()
        if gen is None:
            raise IndexingError("检索索引不存在", "the search index does not exist", details={"path": str(self.root)})
        # _reads too: a cached segment's reader is swapped below, under any search in flight.
        with self._read_lock, self._reads:
            generation = index.open_dir(gen).latest_generation()
            if self._view is None or self._view_gen != (gen.name, generation):
                ix = index.open_dir(gen)
                searcher = ix.searcher()
                segments = []
                keep: dict[tuple[Any, ...], _Segment] = {}
                for reader, offset in searcher.reader().leaf_readers():
                    seg_info = reader.segment()
                    if seg_info is None:  # an empty index: nothing to cache
                        continue
                    key = (gen.name, seg_info.segment_id(), seg_info.deleted_count())
                    cached = self._segments.get(key) or _Segment(reader)
                    cached.reader = reader
                    keep[key] = cached
                    segments.append((cached, offset))
                self._segments = keep
                n = searcher.doc_count_all()
                live = 0
                for seg, offset in segments:
                    live |= seg.live << offset
                old = self._view
                self._view = _View(searcher, segments, n, live)
                self._view_gen = (gen.name, generation)
                # Searches still running on the old view keep it; close it only once it has been
                # retired long enough that none can be (closing at once raised ReaderClosed).
                now = time.monotonic()
                if old is not None:
                    self._retired.append((now, old))
                while self._retired and now - self._retired[0][0] > 60:
                    with contextlib.suppress(Exception):
                        self._retired.pop(0)[1].searcher.close()
            view = self._view
            store = self._store_map(gen)
        return view, store

    def _store_map(self, gen: Path) -> mmap.mmap | None:
        path = gen / "texts.bin"
        size = path.stat().st_size
        if self._store and self._store[0] == gen.name and self._store[1] == size:
            return self._store[2]
        # The previous map is not closed here: a search may still be reading it. Dropping the
        # reference lets it close when the last user is done.
        if size == 0:
            self._store = (gen.name, 0, None)
            return None
        with open(path, "rb") as fh:
            mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        self._store = (gen.name, size, mm)
        return mm

    def keys(self) -> set[str]:
        view, _ = self._view_now()
        with self._reads:
            keys = view.column("key")
        mask = _mask(view.live, view.n)
        return {k for k, alive in zip(keys, mask, strict=True) if alive}

    def stats(self) -> IndexStats:
        view, _ = self._view_now()
        gen = self._current()
        return IndexStats(documents=view.live.bit_count(), schema_version=SCHEMA_VERSION, location=str(gen))

    def close(self) -> None:
        with self._read_lock:
            for view in [self._view, *(v for _, v in self._retired)]:
                if view is not None:
                    with contextlib.suppress(Exception):
                        view.searcher.close()
            self._view = None
            self._retired.clear()
            self._segments.clear()
            if self._store and self._store[2] is not None:
                with contextlib.suppress(BufferError):
                    self._store[2].close()
            self._store = None

    # ── searching ──

    def search(self, request: SearchRequest) -> SearchResult:
        t0 = time.perf_counter()
        try:
            node = parse(request.query)
        except QuerySyntaxError as exc:
            raise InvalidQuery.from_syntax(exc, request.query) from exc
        view, store = self._view_now()
        # Whoosh's readers share one file object per segment (seek, then read): two searches reading
        # postings at once would interleave their seeks and read each other's bytes ("Block tag
        # error"). The work is Python under the GIL anyway, so one search reads at a time.
        with self._reads:
            ev = _Evaluator(view, store, self._analyzer_here())
            allowed = view.live & _filters(view, request)
            hits = allowed & ev.eval(node) if node is not None else allowed
            total = hits.bit_count()
            facets = _facets(view, hits)
            page = max(1, request.page)
            size = max(1, min(request.size, 200))
            want = page * size
            exact = isinstance(node, Match) and node.field == "number"
            if request.sort == "relevance" and ev.rank_terms and total:
                docnums = _ranked(view, ev, hits, want)
                if len(docnums) < min(want, total):  # records matched only through keyword fields
                    seen = set(docnums)
                    docnums += [d for d in _by_date(view, hits, want + len(seen), desc=True) if d not in seen]
                scores = ev.scores
            else:
                docnums = _by_date(view, hits, want, desc=request.sort != "date_asc")
                scores = {}
            out = []
            for d in docnums[(page - 1) * size : want]:
                stored = view.searcher.stored_fields(d)
                meta = stored["meta"]
                body = zlib.decompress(stored["body"]).decode("utf-8") if request.snippets else ""
                snippet = _snippet(body, ev.literals) if request.snippets else ""
                out.append(
                    Hit(
                        key=stored["key"],
                        score=round(scores.get(d, 0.0), 4),
                        kind=meta["kind"],
                        title=meta["title"],
                        form=meta["form"],
                        form_name=meta["form_name"],
                        number=meta["number"],
                        org_id=meta["org_id"],
                        case_id=meta["case_id"],
                        party=meta["party"],
                        status=meta["status"],
                        date=dt.date.fromisoformat(meta["date"]) if meta["date"] else None,
                        snippet=snippet,
                    )
                )
        took = (time.perf_counter() - t0) * 1000
        return SearchResult(total, tuple(out), facets, page, size, round(took, 2), exact=exact)


# ── query evaluation ───────────────────────────────────────────────────────────────────────────


class _Evaluator:
    def __init__(self, view: _View, store: mmap.mmap | None, analyzer: Analyzer) -> None:
        self.view = view
        self.store = store
        self.analyzer = analyzer
        self.rank_terms: list[query.Query] = []
        self.literals: list[str] = []  # squeezed strings to highlight
        self.scores: dict[int, float] = {}

    def eval(self, node: Node, positive: bool = True) -> int:
        view = self.view
        if isinstance(node, And):
            bits = view.live
            for part in node.parts:
                bits &= self.eval(part, positive)
                if not bits and positive:
                    # keep collecting rank terms and literals only matters when something matches
                    break
            return bits
        if isinstance(node, Or):
            bits = 0
            for part in node.parts:
                bits |= self.eval(part, positive)
            return bits
        if isinstance(node, Not):
            return view.live & ~self.eval(node.part, not positive)
        if isinstance(node, Range):
            return _range(view, node.field, node.low, node.high)
        return self.match(node, positive)

    def match(self, node: Match, positive: bool) -> int:
        view = self.view
        if node.field == "number":
            keys = number_keys(node.text)
            bits = 0
            for key in keys[:1]:  # the whole key as typed; a prefix-less query matches stored short keys
                bits |= view.term("num", key)
            return bits
        if node.field in ("credit", "caseno", "fileno"):
            return view.term("num", number_keys(node.text)[0]) if number_keys(node.text) else 0
        if node.field in ("text", "title"):
            needle = squeeze(node.text)
            if positive and needle:
                self.literals.append(needle)
                self._rank(needle, node.field == "text")
            return self.substring(needle, title_only=node.field == "title")
        value = fold(node.text.strip())
        if node.field in ("party", "handler"):
            names = [n for n in view.lexicon(node.field) if value in n]
            bits = 0
            for name in names:
                bits |= view.term(node.field, name)
            return bits
        fieldname = {"org": "org", "case": "case"}.get(node.field, node.field)
        if node.field == "form":
            # a form id or its Chinese name, whole or in part (责令限期整改 finds the 指令书)
            terms = [t for t in view.lexicon("form") if t == value or (len(value) > 1 and value in t)]
            bits = 0
            for term in terms:
                bits |= view.term("form", term)
            return bits
        return view.term(fieldname, value)

    def _rank(self, needle: str, words_too: bool) -> None:
        # Rank on words: a few short posting lists. Bigrams (long lists for common characters)
        # only stand in for a literal that has no word of its own (a fragment, a single character).
        words = self.analyzer.words(needle) if words_too else []
        for word in dict.fromkeys(words):
            self.rank_terms.append(query.Term("words", word, boost=2.0))
        if not words:
            grams = [g for g, _ in bigrams(needle)] if len(needle) > 1 else []
            for gram in dict.fromkeys(grams[::2] or [needle]):
                self.rank_terms.append(query.Term("ngram", gram))

    def substring(self, needle: str, *, title_only: bool = False) -> int:
        """Records whose matching text (or title) contains ``needle``: the bigrams narrow, the
        text store confirms. Results are cached per searcher generation, filters apply after."""
        view = self.view
        if not needle:
            return 0
        cache_key = ("T" if title_only else "B") + needle
        cached = view._phrases.get(cache_key)
        if cached is not None:
            view._phrases.move_to_end(cache_key)
            return cached
        if len(needle) == 1:
            bits = view.prefix("ngram", needle)
        else:
            bits = view.live
            for gram in dict.fromkeys(g for g, _ in bigrams(needle) if len(g) == 2):
                bits &= view.term("ngram", gram)
                if not bits:
                    break
        if bits and (len(needle) > 2 or title_only):
            bits = self._verify(needle, bits, title_only=title_only)
        view._phrases[cache_key] = bits
        if len(view._phrases) > 512:
            view._phrases.popitem(last=False)
        return bits

    def _verify(self, needle: str, candidates: int, *, title_only: bool) -> int:
        """Confirm candidates by a substring search in the text store, in C (mmap.find)."""
        store = self.store
        if store is None:
            return 0
        n = self.view.n
        offs = self.view.column("toff")
        lens = self.view.column("tlen")
        titles = self.view.column("ttitle") if title_only else None
        pattern = needle.encode("utf-16-le")
        find = store.find
        mask = bytearray(b"0") * n
        for d in itertools.compress(range(n), _mask(candidates, n)):
            start = offs[d]
            end = start + (titles[d] * 2 if titles is not None else lens[d])
            at = find(pattern, start, end)
            while at >= 0 and (at - start) & 1:  # a hit straddling two UTF-16 code units
                at = find(pattern, at + 1, end)
            if at >= 0:
                mask[d] = 49
        mask.reverse()
        return int(mask, 2) if n else 0


def _filters(view: _View, r: SearchRequest) -> int:
    bits = view.live
    vis = r.visibility
    if not vis.everything:
        allowed = 0
        for org in vis.org_ids:
            allowed |= view.term("orgself", str(org))
        for case in vis.case_ids:
            allowed |= view.term("case", str(case))
        for creator in vis.creators:
            allowed |= view.term("creator", creator)
        bits &= allowed

    def any_of(fieldname: str, values: Iterable[str]) -> int:
        out = 0
        for v in values:
            out |= view.term(fieldname, v)
        return out

    if r.kinds:
        bits &= any_of("kind", r.kinds)
    if r.forms:
        bits &= any_of("form", [fold(f) for f in r.forms])
    if r.statuses:
        bits &= any_of("status", r.statuses)
    if r.org_subtree is not None:
        bits &= view.term("org", str(r.org_subtree))
    if r.case_id is not None:
        bits &= view.term("case", str(r.case_id))
    if r.procedure:
        bits &= view.term("procedure", r.procedure)
    if r.industry:
        bits &= view.term("industry", fold(r.industry))
    for fieldname, value in (("party", r.party), ("handler", r.handler)):
        if value:
            needle = fold(value.strip())
            bits &= any_of(fieldname, [n for n in view.lexicon(fieldname) if needle in n])
    for fieldname, low, high in (
        ("issued", r.issued_from, r.issued_to),
        ("decided", r.decided_from, r.decided_to),
        ("filed", r.filed_from, r.filed_to),
        ("amount", r.amount_min, r.amount_max),
    ):
        if low is not None or high is not None:
            bits &= _range(view, fieldname, low, high)
    return bits


def _range(view: _View, fieldname: str, low: Any, high: Any) -> int:
    values, order = view.by_value(fieldname)
    if fieldname == "amount":
        lo_v = round(low * 100) if low is not None else 0  # -1 marks "no amount"
        hi_v = round(high * 100) if high is not None else 1 << 62
    else:
        lo_v = _days(low) if low else 1  # 0 marks "no date"
        hi_v = _days(high) if high else 1 << 31
    i, j = bisect_left(values, lo_v), bisect_right(values, hi_v)
    return _bits_from(order[i:j], view.n)


def _by_date(view: _View, hits: int, want: int, *, desc: bool) -> list[int]:
    _, order = view.by_value("sortdate")
    mask = _mask(hits, view.n)
    seq = reversed(order) if desc else iter(order)
    return list(itertools.islice((d for d in seq if mask[d]), want))


def _ranked(view: _View, ev: _Evaluator, hits: int, want: int) -> list[int]:
    """Top ``want`` of ``hits`` by BM25F on the query's words (bigrams where it has none).

    Up to :data:`_DIRECT_SCORING` hits are scored exactly, skipping through each term's postings
    to them. Beyond that (a common word over a large archive) the newest that many hits are
    scored: walking whole posting lists in Python costs seconds at 50,000 records, and among
    thousands of equally matching records the recent ones are what enforcement staff look for.
    Records past the pool follow in date order (``_by_date``), so nothing matching is lost."""
    count = hits.bit_count()
    pool = hits
    if count > _DIRECT_SCORING:
        pool = _bits_from(_by_date(view, hits, _DIRECT_SCORING, desc=True), view.n)
    scores = _score_directly(view, ev.rank_terms, pool)
    ev.scores = scores
    return sorted(scores, key=lambda d: (-scores[d], d))[:want]


#: at or below this many hits, ranking scores each hit directly instead of walking whole postings
_DIRECT_SCORING = 1500


def _score_directly(view: _View, terms: list[query.Query], hits: int) -> dict[int, float]:
    scores = dict.fromkeys(_ids(hits, view.n), 0.0)
    if not scores:
        return scores
    docs = sorted(scores)
    weighting = view.searcher.weighting
    for subsearcher, offset in view.searcher.subsearchers or [(view.searcher, 0)]:
        end = offset + subsearcher.doc_count_all()
        local = [d - offset for d in docs[bisect_left(docs, offset) : bisect_left(docs, end)]]
        if not local:
            continue
        reader = subsearcher.reader()
        for term in terms:
            assert isinstance(term, query.Term)
            btext = term.text.encode("utf-8")
            if (term.fieldname, btext) not in reader:
                continue
            matcher = reader.postings(term.fieldname, btext)
            scorer = weighting.scorer(subsearcher, term.fieldname, term.text)
            boost = term.boost
            for d in local:
                if not matcher.is_active():
                    break
                matcher.skip_to(d)
                if matcher.is_active() and matcher.id() == d:
                    scores[d + offset] += scorer.score(matcher) * boost
    return scores


def _facets(view: _View, hits: int) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for name in FACETS:
        fieldname = {"org": "orgself"}.get(name, name)
        counts = {}
        for value in view.lexicon(fieldname):
            if name == "form" and not re.fullmatch(r"[a-z0-9_]+", value):
                continue  # the form facet counts ids; the Chinese names are for matching
            c = (hits & view.term(fieldname, value)).bit_count()
            if c:
                counts[value] = c
        out[name] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return out


# ── snippets ───────────────────────────────────────────────────────────────────────────────────


def _snippet(text: str, literals: Sequence[str], width: int = 120) -> str:
    """The part of ``text`` around the first match, escaped, with every match in <mark>.
    Matching ignores width, case and whitespace, as the search did.

    Matches are found with ``str.find`` in the squeezed text and mapped back to the original's
    offsets, and only inside the window shown: a regex with ``\\s*`` between the characters cost
    time proportional to the text × the literal (seconds on a long repetitive attachment text)."""
    if not text:
        return ""
    folded = fold(text)
    runs = [m.span() for m in _NON_SPACE.finditer(folded)]  # squeezed text = these runs, joined
    squeezed = "".join(folded[s:e] for s, e in runs)
    starts = list(itertools.accumulate((e - s for s, e in runs[:-1]), initial=0))

    def original(p: int) -> int:  # squeezed offset → offset in ``text``
        r = bisect_right(starts, p) - 1
        return runs[r][0] + p - starts[r]

    lits = [lit for lit in sorted(set(literals), key=len, reverse=True) if lit]
    firsts = {lit: at for lit in lits if (at := squeezed.find(lit)) >= 0}
    if not firsts:
        return html.escape(_clip(text, 0, width))
    start = max(0, original(min(firsts.values())) - width // 4)
    end = min(len(text), start + width)
    spans: list[tuple[int, int]] = []
    for lit, at in firsts.items():  # from each literal's first match to the end of the window
        while at >= 0:
            s, e = original(at), original(at + len(lit) - 1) + 1
            if s >= end:
                break
            spans.append((s, e))
            at = squeezed.find(lit, at + len(lit))
    if not spans:
        return html.escape(_clip(text, 0, width))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    first = merged[0][0]
    start = max(0, first - width // 4)
    end = min(len(text), start + width)
    parts = ["…" if start > 0 else ""]
    pos = start
    for s, e in merged:
        if s >= end:
            break
        s, e = max(s, pos), min(e, end)
        if s < pos:
            continue
        parts.append(html.escape(text[pos:s]))
        parts.append(f"<mark>{html.escape(text[s:e])}</mark>")
        pos = e
    parts.append(html.escape(text[pos:end]))
    if end < len(text):
        parts.append("…")
    return re.sub(r"\s+", " ", "".join(parts)).strip()


_NON_SPACE = re.compile(r"\S+")


def _clip(text: str, start: int, width: int) -> str:
    return re.sub(r"\s+", " ", text[start : start + width]) + ("…" if len(text) > start + width else "")
