"""The Whoosh backend against the scanning oracle, and the properties an index must keep:
visibility inside the search, updates, rebuilds that never leave a half index, one writer, crashes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from anjuan.indexing.api import IndexDoc, SearchBackend, SearchRequest, Visibility
from anjuan.indexing.errors import IndexingError, IndexLocked, InvalidQuery
from anjuan.indexing.memory import MemoryBackend
from anjuan.indexing.whoosh_backend import WhooshBackend

from bench.search_corpus import generate

ALL = Visibility.all()

CRAFTED = [
    IndexDoc(
        key="x:1",
        kind="document",
        title="行政处罚决定书 （晋临）应急罚〔2023〕12号",
        text="临汾市尧都区鑫达化工有限公司除尘系统未按规定设置泄爆装置，粉尘涉爆。罚款叁万元。<script>alert(1)</script>",
        form="penalty_decision_org",
        form_name="行政处罚决定书（单位）",
        number="（晋临）应急罚〔2023〕12号",
        credit_code="91141002MA0K1234EY",
        org_id=901,
        org_path=(901, 900),
        case_id=9001,
        party="临汾市尧都区鑫达化工有限公司",
        handlers=("张伟", "刘洋"),
        creator="zhangwei",
        issued=dt.date(2023, 5, 4),
        decided=dt.date(2023, 5, 4),
        status="issued",
        procedure="general",
        industry="化工",
        amount=30000.0,
    ),
    IndexDoc(
        key="x:2",
        kind="attachment",
        title="现场照片说明",
        text="调节池入口有限\n空间作业未进行气体检测\n",
        form="attachment_photo",
        form_name="现场照片",
        org_id=902,
        org_path=(902, 900),
        case_id=9002,
        party="浮山县宏泰冶金有限公司",
        creator="liuyang",
        issued=dt.date(2024, 2, 1),
        status="active",
    ),
]


@pytest.fixture(scope="module")
def corpus() -> list[IndexDoc]:
    return [*generate(600, seed=3), *CRAFTED]


@pytest.fixture(scope="module")
def pair(
    corpus: list[IndexDoc], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[WhooshBackend, MemoryBackend]]:
    whoosh = WhooshBackend(tmp_path_factory.mktemp("ix"), workers=2)
    whoosh.rebuild(iter(corpus), total=len(corpus))
    memory = MemoryBackend()
    memory.rebuild(corpus)
    yield whoosh, memory
    whoosh.close()


def _all(backend: SearchBackend, request: SearchRequest) -> tuple[int, set[str], dict[str, dict[str, int]]]:
    keys: set[str] = set()
    page = 1
    while True:
        result = backend.search(dataclasses.replace(request, page=page, size=200, snippets=False))
        keys |= {h.key for h in result.hits}
        if page * 200 >= result.total:
            return result.total, keys, result.facets
        page += 1


QUERIES = [
    "有限空间",
    "粉尘涉爆 除尘",
    '"未按规定设置泄爆装置"',
    '"有限空间作业"',
    "整改",
    "安",
    "罚",
    "安全生产 NOT 罚款",
    "有限空间 OR 液氨",
    "(有限空间 OR 液氨) 化工",
    "鑫达",
    "party:鑫达",
    "handler:张伟",
    "form:rectification_order",
    "form:责令限期整改",
    "kind:casefile",
    "kind:attachment 空间",
    "status:issued issued:2023",
    "issued:2023-01..2023-06 整改",
    "amount:1万..5万",
    "decided:>=2024-01-01",
    "（晋临）应急罚〔2023〕12号",
    "应急罚[2023]12号",
    "91141002MA0K1234EY",
    "org:900",
    "title:决定书",
    "-整改",
]


@pytest.mark.parametrize("query", QUERIES)
def test_whoosh_returns_exactly_what_a_scan_returns(pair: tuple[WhooshBackend, MemoryBackend], query: str) -> None:
    whoosh, memory = pair
    request = SearchRequest(query=query, visibility=ALL)
    assert _all(whoosh, request) == _all(memory, request)


@pytest.mark.parametrize(
    "filters",
    [
        {"forms": ("penalty_decision_org",), "amount_min": 10000.0},
        {"org_subtree": 900},
        {"kinds": ("attachment", "casefile")},
        {"issued_from": dt.date(2022, 1, 1), "issued_to": dt.date(2022, 12, 31), "statuses": ("issued",)},
        {"party": "有限公司", "handler": "张"},
        {"filed_from": dt.date(2021, 1, 1)},
    ],
)
def test_structured_filters_agree_with_the_scan(pair: tuple[WhooshBackend, MemoryBackend], filters: dict) -> None:
    whoosh, memory = pair
    request = SearchRequest(query="", visibility=ALL, **filters)
    total, keys, facets = _all(whoosh, request)
    assert total > 0
    assert (total, keys, facets) == _all(memory, request)


def test_substrings_sliced_from_texts_agree_with_the_scan(
    pair: tuple[WhooshBackend, MemoryBackend], corpus: list[IndexDoc]
) -> None:
    import random

    whoosh, memory = pair
    r = random.Random(5)
    for _ in range(25):
        doc = r.choice(corpus)
        size = r.randint(2, 9)
        start = r.randint(0, max(0, len(doc.text) - size))
        piece = doc.text[start : start + size].replace('"', "")
        if not piece.strip():
            continue
        request = SearchRequest(query=f'"{piece}"', visibility=ALL)
        assert whoosh.search(request).total == memory.search(request).total, piece


def test_visibility_is_applied_before_paging_and_counting(pair: tuple[WhooshBackend, MemoryBackend]) -> None:
    whoosh, memory = pair
    assert memory.search(SearchRequest(query="", visibility=Visibility(org_ids=frozenset({901})))).total == 1
    visible = Visibility(org_ids=frozenset({901}), case_ids=frozenset({9002}))
    result = whoosh.search(SearchRequest(query="", visibility=visible, size=5))
    assert {h.key for h in result.hits} == {"x:1", "x:2"}
    assert result.total == 2
    assert sum(result.facets["kind"].values()) == 2
    # a handler sees what they made, wherever it is filed
    own = whoosh.search(SearchRequest(query="空间", visibility=Visibility(creators=frozenset({"liuyang"}))))
    assert [h.key for h in own.hits] == ["x:2"]
    nothing = whoosh.search(SearchRequest(query="鑫达", visibility=Visibility()))
    assert nothing.total == 0 and nothing.hits == ()


def test_numbers_match_exactly_in_any_bracket_style(pair: tuple[WhooshBackend, MemoryBackend]) -> None:
    whoosh, _ = pair
    for typed in ("（晋临）应急罚〔2023〕12号", "(晋临)应急罚[2023]12号", "应急罚【2023】12号", "应急罚〔2023〕12号"):
        result = whoosh.search(SearchRequest(query=typed, visibility=ALL))
        assert result.exact
        assert [h.key for h in result.hits] == ["x:1"], typed
    assert whoosh.search(SearchRequest(query="应急罚〔2023〕13号", visibility=ALL)).total == 0


def test_snippets_mark_matches_and_escape_html(pair: tuple[WhooshBackend, MemoryBackend]) -> None:
    whoosh, _ = pair
    hit = whoosh.search(SearchRequest(query="泄爆装置 alert", visibility=ALL)).hits[0]
    assert hit.key == "x:1"
    assert "<mark>泄爆装置</mark>" in hit.snippet
    assert "<script>" not in hit.snippet and "&lt;script&gt;" in hit.snippet
    request = SearchRequest(query='"有限空间作业"', visibility=ALL, kinds=("attachment",), size=50)
    broken = {h.key: h for h in whoosh.search(request).hits}
    assert "<mark>有限 空间作业</mark>" in broken["x:2"].snippet  # matched across the line break


def test_sort_by_date_and_relevance(pair: tuple[WhooshBackend, MemoryBackend]) -> None:
    whoosh, _ = pair
    newest = whoosh.search(SearchRequest(query="整改", visibility=ALL, sort="date_desc", size=30)).hits
    dates = [h.date for h in newest]
    assert dates == sorted(dates, reverse=True)
    oldest = whoosh.search(SearchRequest(query="整改", visibility=ALL, sort="date_asc", size=30)).hits
    assert [h.date for h in oldest] == sorted(h.date for h in oldest)
    ranked = whoosh.search(SearchRequest(query="泄爆装置 粉尘涉爆 鑫达", visibility=ALL)).hits
    assert ranked[0].key == "x:1"
    scores = [h.score for h in ranked]
    assert scores == sorted(scores, reverse=True)


def test_bad_query_is_a_clear_error(pair: tuple[WhooshBackend, MemoryBackend]) -> None:
    whoosh, _ = pair
    with pytest.raises(InvalidQuery) as info:
        whoosh.search(SearchRequest(query='"未闭合', visibility=ALL))
    assert info.value.code == "invalid_query"
    assert info.value.details["position"] == 0


# ── writing ────────────────────────────────────────────────────────────────────────────────────


def _doc(key: str, text: str, **kw: object) -> IndexDoc:
    return IndexDoc(key=key, kind="document", title="现场检查记录", text=text, org_id=1, **kw)  # type: ignore[arg-type]


def test_reindexing_a_key_replaces_it_and_delete_removes_it(tmp_path: Path) -> None:
    backend = WhooshBackend(tmp_path, workers=1)
    backend.index([_doc("d:1", "液氨制冷车间"), _doc("d:2", "动火作业")])
    backend.index([_doc("d:1", "有限空间作业")])
    assert backend.search(SearchRequest(query="液氨", visibility=ALL)).total == 0
    assert [h.key for h in backend.search(SearchRequest(query="有限空间", visibility=ALL)).hits] == ["d:1"]
    assert backend.keys() == {"d:1", "d:2"}
    assert backend.delete(["d:2", "d:404"]) == 1
    assert backend.keys() == {"d:1"}
    backend.close()


def test_a_failed_rebuild_leaves_the_old_index_serving(tmp_path: Path) -> None:
    backend = WhooshBackend(tmp_path, workers=1, batch_size=5)
    backend.rebuild([_doc(f"d:{i}", "粉尘涉爆") for i in range(8)], checkpoint="8")

    def broken() -> Iterator[IndexDoc]:
        for i in range(12):
            if i == 10:
                raise RuntimeError("the archive went away")
            yield _doc(f"n:{i}", "液氨制冷")

    with pytest.raises(RuntimeError):
        backend.rebuild(broken())
    assert backend.search(SearchRequest(query="粉尘涉爆", visibility=ALL)).total == 8
    assert backend.search(SearchRequest(query="液氨", visibility=ALL)).total == 0
    assert backend.checkpoint() == "8"
    assert [p.name for p in tmp_path.glob("gen-*")] == [(tmp_path / "CURRENT").read_text()]
    backend.close()


def test_another_schema_version_asks_for_a_rebuild_instead_of_crashing(tmp_path: Path) -> None:
    backend = WhooshBackend(tmp_path, workers=1)
    backend.index([_doc("d:1", "粉尘涉爆")])
    backend.close()
    gen = tmp_path / (tmp_path / "CURRENT").read_text()
    meta = json.loads((gen / "meta.json").read_text())
    (gen / "meta.json").write_text(json.dumps({**meta, "schema_version": 0}))
    reopened = WhooshBackend(tmp_path, workers=1)
    assert not reopened.current()
    with pytest.raises(IndexingError) as info:
        reopened.index([_doc("d:2", "液氨")])
    assert info.value.code == "index_outdated"
    reopened.rebuild([_doc("d:1", "粉尘涉爆"), _doc("d:2", "液氨")])
    assert reopened.current()
    assert reopened.search(SearchRequest(query="液氨", visibility=ALL)).total == 1
    reopened.close()


def test_one_writer_waits_with_back_off_then_gives_up(tmp_path: Path) -> None:
    import fcntl

    backend = WhooshBackend(tmp_path, workers=1, lock_timeout=0.3)
    holder = open(tmp_path / "write.lock", "a+")  # noqa: SIM115 — another process's writer
    fcntl.flock(holder.fileno(), fcntl.LOCK_EX)
    started = time.monotonic()
    with pytest.raises(IndexLocked):
        backend.index([_doc("d:1", "粉尘涉爆")])
    assert time.monotonic() - started >= 0.3
    threading.Timer(0.2, holder.close).start()  # the other writer finishes: we get in
    backend.lock_timeout = 5.0
    assert backend.index([_doc("d:1", "粉尘涉爆")]) == 1
    backend.close()


def test_searching_while_another_thread_indexes(tmp_path: Path) -> None:
    backend = WhooshBackend(tmp_path, workers=1)
    errors: list[BaseException] = []
    done = threading.Event()

    def writer() -> None:
        try:
            for batch in range(15):
                backend.index([_doc(f"d:{batch}:{i}", f"第{batch}批 有限空间作业") for i in range(4)])
        except BaseException as exc:  # pragma: no cover — reported below
            errors.append(exc)
        finally:
            done.set()

    def reader() -> None:
        try:
            last = 0
            while not done.is_set():
                total = backend.search(SearchRequest(query="有限空间", visibility=ALL)).total
                assert total >= last  # never goes backwards, never sees a broken index
                last = total
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer), threading.Thread(target=reader), threading.Thread(target=reader)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert backend.search(SearchRequest(query="有限空间", visibility=ALL)).total == 60
    backend.close()


def test_a_writer_killed_mid_commit_never_corrupts_the_index(tmp_path: Path) -> None:
    backend = WhooshBackend(tmp_path, workers=1)
    backend.index([_doc("d:0", "粉尘涉爆")], checkpoint="1")
    backend.close()
    script = textwrap.dedent(
        f"""
        from anjuan.indexing.api import IndexDoc
        from anjuan.indexing.whoosh_backend import WhooshBackend
        b = WhooshBackend({str(tmp_path)!r}, workers=1, batch_size=50)
        print("ready", flush=True)
        for n in range(10_000):
            docs = [IndexDoc(key=f"k:{{n}}:{{i}}", kind="document", title="t", text="液氨 " * 50) for i in range(50)]
            b.index(docs)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    time.sleep(1.5)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    survivor = WhooshBackend(tmp_path, workers=1)
    assert survivor.current()
    assert survivor.search(SearchRequest(query="粉尘涉爆", visibility=ALL)).total == 1
    written = survivor.search(SearchRequest(query="液氨", visibility=ALL)).total
    assert written % 50 == 0  # whole commits only
    assert survivor.index([_doc("d:1", "粉尘涉爆")]) == 1  # the lock died with the writer
    assert survivor.search(SearchRequest(query="粉尘涉爆", visibility=ALL)).total == 2
    survivor.close()
