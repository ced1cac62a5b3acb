"""DOCX → PDF conversion: the warm UNO pool, the cold baseline, the fake, fonts and failures.

Real-LibreOffice tests share the session pool (``converter_pool``); the ones that kill or time
out instances use one extra pool of size 1 (``small_pool``) so the shared pool stays healthy.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import docx
import pytest
from anjuan.templates.convert import (
    DEFAULT_FONTCONFIG_FILE,
    FAKE_BANNER,
    ColdSofficeConverter,
    ConversionError,
    ConversionTimeout,
    Converter,
    ConverterOptions,
    ConverterUnavailable,
    FakeConverter,
    UnoPool,
)
from docx.oxml.ns import qn
from docx.shared import Pt
from pypdf import PdfReader

POPPLER = shutil.which("pdftotext") and shutil.which("pdffonts") and shutil.which("pdfinfo")
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdftotext, pdffonts, pdfinfo) not installed")

BODY = "当事人违反了《中华人民共和国安全生产法》第二十八条的规定，依法作出行政处罚决定。"


# -- helpers ------------------------------------------------------------------------------------


def make_docx(paragraphs: list[str], *, east_asia_font: str = "仿宋_GB2312", size: float = 16) -> bytes:
    """A DOCX whose runs name ``east_asia_font`` for CJK text (w:rFonts/@w:eastAsia), in zh-CN."""
    document = docx.Document()
    for text in paragraphs:
        run = document.add_paragraph().add_run(text)
        run.font.size = Pt(size)
        rpr = run._element.get_or_add_rPr()
        rpr.get_or_add_rFonts().set(qn("w:eastAsia"), east_asia_font)
        lang = rpr.makeelement(qn("w:lang"), {qn("w:eastAsia"): "zh-CN"})
        rpr.append(lang)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _poppler(tool: str, pdf: bytes, *args: str) -> str:
    # Through a file: older poppler tools do not read PDFs from stdin.
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"anjuan-test-{uuid.uuid4().hex}.pdf"
    path.write_bytes(pdf)
    try:
        cmd = [tool, *args, str(path)] + (["-"] if tool == "pdftotext" else [])
        return subprocess.run(cmd, capture_output=True, check=True, timeout=60).stdout.decode("utf-8", "replace")
    finally:
        path.unlink()


def pdf_text(pdf: bytes) -> str:
    """Text layer via pdftotext, whitespace removed (line breaks fall anywhere in CJK text)."""
    return re.sub(r"\s+", "", _poppler("pdftotext", pdf, "-enc", "UTF-8"))


def pdf_pages(pdf: bytes) -> int:
    match = re.search(r"^Pages:\s+(\d+)", _poppler("pdfinfo", pdf), re.MULTILINE)
    assert match, "pdfinfo printed no page count"
    return int(match.group(1))


def pdf_fonts(pdf: bytes) -> list[dict[str, str]]:
    """Rows of ``pdffonts``: name, type, emb (yes/no)."""
    lines = _poppler("pdffonts", pdf).splitlines()
    assert lines[1].startswith("---"), lines
    rows = []
    for line in lines[2:]:
        # Columns are fixed-width; name is the first token, emb/sub/uni are the 3 yes/no before the
        # object id at the end.
        parts = line.split()
        rows.append({"name": parts[0], "type": " ".join(parts[1:-6]), "emb": parts[-5]})
    return rows


def pdfa_identification(pdf: bytes) -> tuple[str | None, str | None]:
    """(pdfaid:part, pdfaid:conformance) from the document's XMP metadata."""
    root = PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    if "/Metadata" not in root:
        return None, None
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8", "replace")

    def find(key: str) -> str | None:
        match = re.search(rf"pdfaid:{key}(?:>([^<]+)<|=\"([^\"]+)\")", xmp)
        return (match.group(1) or match.group(2)).strip() if match else None

    return find("part"), find("conformance")


def alive(pid: int) -> bool:
    """True if ``pid`` runs (zombies count as dead: PID 1 of a container may never reap them)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def wait_dead(pids: list[int], timeout: float = 10.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        remaining = [p for p in pids if alive(p)]
        if not remaining:
            return []
        time.sleep(0.1)
    return [p for p in pids if alive(p)]


@pytest.fixture(scope="module")
def small_pool() -> Iterator[UnoPool]:
    """A private pool of one instance, for tests that kill or time out instances."""
    try:
        pool = UnoPool(pool_size=1).start()
    except ConverterUnavailable as exc:
        pytest.skip(f"LibreOffice unavailable: {exc.message_en}")
    with pool:
        yield pool


# -- no LibreOffice needed ------------------------------------------------------------------------


def test_options_defaults_and_validation() -> None:
    opts = ConverterOptions()
    assert (opts.pool_size, opts.timeout, opts.retries) == (2, 30.0, 1)
    assert opts.fontconfig_file == DEFAULT_FONTCONFIG_FILE and DEFAULT_FONTCONFIG_FILE.is_file()
    with pytest.raises(ValueError):
        ConverterOptions(pool_size=0)
    with pytest.raises(ValueError):
        ConverterOptions(timeout=0)
    assert UnoPool(pool_size=1, timeout=5).options == ConverterOptions(pool_size=1, timeout=5)


def test_implementations_satisfy_the_protocol() -> None:
    for impl in (UnoPool(), ColdSofficeConverter(), FakeConverter()):
        assert isinstance(impl, Converter)
        impl.close()


def test_fake_converter_is_a_labelled_text_only_pdf(fake_converter: FakeConverter) -> None:
    pdf = fake_converter.convert(make_docx(["行政处罚决定书", BODY]), pdfa=True)
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert FAKE_BANNER in text
    assert "行政处罚决定书" in text and "安全生产法" in text
    assert "not a real rendition" in str(reader.metadata.producer)
    assert [(c.pdfa, c.timeout) for c in fake_converter.calls] == [(True, None)]
    with pytest.raises(ConversionError):
        fake_converter.convert(b"not a docx")


@needs_poppler
def test_fake_converter_text_reads_back_with_pdftotext() -> None:
    pdf = FakeConverter().convert(make_docx(["第一段", "第二段 ABC"]))
    assert pdf_pages(pdf) == 1
    assert "第一段" in pdf_text(pdf) and "第二段ABC" in pdf_text(pdf)


def test_missing_soffice_raises_converter_unavailable() -> None:
    for converter in (UnoPool(soffice="/nonexistent/soffice"), ColdSofficeConverter(soffice="/nonexistent/soffice")):
        with pytest.raises(ConverterUnavailable) as info:
            converter.convert(make_docx(["x"]))
        err = info.value
        assert err.code == "converter_unavailable"
        assert "libreoffice-writer-nogui" in err.message_en and "libreoffice-writer-nogui" in err.message_zh
        assert "/nonexistent/soffice" in err.message_en
        converter.close()


def test_python_without_uno_raises_converter_unavailable() -> None:
    # The venv's interpreter has no uno: exactly the mistake this error must explain.
    with pytest.raises(ConverterUnavailable) as info:
        UnoPool(python=sys.executable).start()
    assert info.value.code == "converter_unavailable"
    assert "python3-uno" in info.value.message_en and "python3-uno" in info.value.message_zh


@pytest.mark.skipif(not shutil.which("fc-match"), reason="fontconfig (fc-match) not installed")
def test_fontconfig_file_aliases_official_faces_and_leaves_latin_alone() -> None:
    env = {**os.environ, "FONTCONFIG_FILE": str(DEFAULT_FONTCONFIG_FILE)}

    def match(family: str) -> str:
        return subprocess.run(
            ["fc-match", "-f", "%{family[0]}", family], env=env, capture_output=True, text=True, check=True
        ).stdout

    for family in ("仿宋_GB2312", "仿宋", "FangSong", "楷体_GB2312", "楷体", "KaiTi", "宋体", "SimSun"):
        assert match(family) == "Noto Serif CJK SC", family
    for family in ("方正小标宋简体", "方正小标宋_GBK", "华文中宋"):
        assert match(family) == "Noto Serif CJK SC", family
    for family in ("黑体", "SimHei", "微软雅黑"):
        assert match(family) == "Noto Sans CJK SC", family
    # The system's generic lists mention SimSun/SimHei: the aliases must not leak into Latin faces.
    for family in ("Calibri", "Times New Roman", "serif"):
        assert "CJK" not in match(family), family


# -- real LibreOffice: the shared session pool -------------------------------------------------------


@pytest.mark.parametrize("pdfa", [False, True], ids=["pdf", "pdfa"])
@pytest.mark.libreoffice
@needs_poppler
def test_pool_converts_chinese_docx(converter_pool: UnoPool, pdfa: bool) -> None:
    pdf = converter_pool.convert(make_docx(["行政处罚决定书", BODY]), pdfa=pdfa)
    assert pdf.startswith(b"%PDF")
    assert pdf_pages(pdf) >= 1
    text = pdf_text(pdf)
    assert "行政处罚决定书" in text
    assert "中华人民共和国安全生产法》第二十八条" in text


@pytest.mark.libreoffice
@needs_poppler
def test_official_faces_become_embedded_noto_cjk(converter_pool: UnoPool) -> None:
    document = docx.Document()
    for text, face in (("仿宋正文", "仿宋_GB2312"), ("黑体标题", "黑体")):
        run = document.add_paragraph().add_run(text)
        run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), face)
    out = io.BytesIO()
    document.save(out)

    fonts = pdf_fonts(converter_pool.convert(out.getvalue()))
    names = [row["name"].split("+", 1)[-1] for row in fonts]
    assert any(name.startswith("NotoSerifCJK") for name in names), fonts  # 仿宋_GB2312 → Noto Serif CJK SC
    assert any(name.startswith("NotoSansCJK") for name in names), fonts  # 黑体 → Noto Sans CJK SC
    assert fonts and all(row["emb"] == "yes" for row in fonts), fonts


@pytest.mark.libreoffice
def test_pdfa_output_is_identified_as_pdfa_2b(converter_pool: UnoPool) -> None:
    source = make_docx(["归档文书", BODY])
    assert pdfa_identification(converter_pool.convert(source, pdfa=True)) == ("2", "B")
    assert pdfa_identification(converter_pool.convert(source)) == (None, None)


@pytest.mark.libreoffice
@pytest.mark.parametrize("pdfa", [False, True], ids=["pdf", "pdfa"])
def test_bookmarks_become_named_destinations(converter_pool: UnoPool, pdfa: bool) -> None:
    """The sealing step finds the seal's place by the template's ``anjuan_seal`` bookmark."""
    document = docx.Document()
    document.add_paragraph(BODY)
    paragraph = document.add_paragraph("临汾市尧都区应急管理局")
    start, end = (paragraph._p.makeelement(qn(tag), {qn("w:id"): "0"}) for tag in ("w:bookmarkStart", "w:bookmarkEnd"))
    start.set(qn("w:name"), "anjuan_seal")
    paragraph._p.insert(0, start)
    paragraph._p.append(end)
    out = io.BytesIO()
    document.save(out)
    pdf = converter_pool.convert(out.getvalue(), pdfa=pdfa)
    # LibreOffice writes "_" as its hex code in destination names
    assert "/anjuan5Fseal" in PdfReader(io.BytesIO(pdf)).named_destinations
    assert pdfa_identification(pdf) == (("2", "B") if pdfa else (None, None))


@pytest.mark.libreoffice
@needs_poppler
def test_eight_concurrent_conversions_each_get_their_own_pdf(converter_pool: UnoPool) -> None:
    markers = [f"案号第{i}号{uuid.uuid4().hex[:8]}" for i in range(8)]
    with ThreadPoolExecutor(max_workers=8) as executor:
        pdfs = list(executor.map(lambda m: converter_pool.convert(make_docx([m, BODY])), markers))
    for marker, pdf in zip(markers, pdfs, strict=True):
        text = pdf_text(pdf)
        assert marker in text
        assert not [other for other in markers if other != marker and other in text]


@pytest.mark.libreoffice
def test_pool_rejects_what_is_not_a_docx(converter_pool: UnoPool) -> None:
    for data in (b"", b"plain text, not a docx", b"PK\x03\x04 truncated zip"):
        with pytest.raises(ConversionError) as info:
            converter_pool.convert(data)
        assert not isinstance(info.value, ConversionTimeout)
    assert converter_pool.convert(make_docx(["仍然可用"])).startswith(b"%PDF")


# -- real LibreOffice: failures, on a private pool ---------------------------------------------------


@pytest.mark.libreoffice
@needs_poppler
def test_killed_office_is_restarted_and_the_next_job_succeeds(small_pool: UnoPool) -> None:
    source = make_docx(["重启之前", BODY])
    assert "重启之前" in pdf_text(small_pool.convert(source))
    before = small_pool.instances()[0]
    assert before.office_pids
    for pid in before.office_pids:
        os.kill(pid, signal.SIGKILL)

    assert "重启之前" in pdf_text(small_pool.convert(source))
    after = small_pool.instances()[0]
    assert after.starts == before.starts + 1
    assert after.worker_pid != before.worker_pid
    assert wait_dead([before.worker_pid or 0, *before.office_pids]) == []


@pytest.mark.libreoffice
@needs_poppler
def test_office_killed_during_a_job_the_job_is_retried(small_pool: UnoPool) -> None:
    # A few hundred ms of work, so that the kill lands while the document is being converted.
    source = make_docx([f"第{i}段。{BODY * 4}" for i in range(1500)], size=12)
    crashes = small_pool.stats()["crashes"]
    pids = list(small_pool.instances()[0].office_pids)
    result: dict[str, bytes | BaseException] = {}

    def convert() -> None:
        try:
            result["pdf"] = small_pool.convert(source)
        except BaseException as exc:
            result["error"] = exc

    worker = threading.Thread(target=convert)
    worker.start()
    # The pool writes the job file just before handing the job to the instance: kill right after.
    deadline = time.monotonic() + 30
    while not list(small_pool.jobs_dir.glob("*.docx")) and time.monotonic() < deadline:
        time.sleep(0.002)
    time.sleep(0.05)
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    worker.join(120)
    assert "error" not in result, result.get("error")
    assert small_pool.stats()["crashes"] == crashes + 1, "the kill did not hit the running job"
    assert "第1499段" in pdf_text(result["pdf"])  # type: ignore[arg-type]


@pytest.mark.libreoffice
def test_timeout_kills_the_instance_and_the_pool_keeps_working(small_pool: UnoPool) -> None:
    source = make_docx(["超时测试", BODY])
    before = small_pool.stats()
    with pytest.raises(ConversionTimeout) as info:
        small_pool.convert(source, timeout=0.001)
    assert info.value.code == "conversion_timeout"
    after = small_pool.stats()
    assert after["timeouts"] == before["timeouts"] + 2  # the first try and the one retry
    assert small_pool.convert(source).startswith(b"%PDF")


@pytest.mark.libreoffice
def test_close_and_interpreter_exit_leave_no_office_behind(tmp_path: Path) -> None:
    script = tmp_path / "child.py"
    script.write_text(
        "import json\n"
        "from anjuan.templates.convert import UnoPool\n"
        "from tests.templates.test_convert import alive, make_docx, wait_dead\n"
        "closed = UnoPool(pool_size=1, warm_up=False).start()\n"
        "left_open = UnoPool(pool_size=1, warm_up=False).start()\n"
        "left_open.convert(make_docx(['退出']))\n"
        "def pids(pool):\n"
        "    return [p for i in pool.instances() for p in (i.worker_pid, *i.office_pids) if p]\n"
        "closed_pids, open_pids = pids(closed), pids(left_open)\n"
        "closed.close()\n"
        "print(json.dumps({'closed': closed_pids, 'alive_after_close': wait_dead(closed_pids),"
        " 'open': open_pids}))\n",
        encoding="utf-8",
    )
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=180, env=env)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout.strip().splitlines()[-1])
    if not report["closed"]:
        pytest.skip(f"child could not start LibreOffice: {run.stderr[-500:]}")
    assert len(report["closed"]) >= 2 and len(report["open"]) >= 2  # worker + its office
    assert report["alive_after_close"] == []  # close() stops everything
    assert wait_dead(report["open"]) == []  # atexit closes a pool nobody closed


# -- the cold baseline --------------------------------------------------------------------------------


@pytest.mark.libreoffice
@needs_poppler
def test_cold_soffice_converter(tmp_path: Path) -> None:
    with ColdSofficeConverter() as cold:
        try:
            pdf = cold.convert(make_docx(["冷启动转换", BODY]), pdfa=True)
        except ConverterUnavailable as exc:
            pytest.skip(exc.message_en)
    assert "冷启动转换" in pdf_text(pdf)
    assert pdfa_identification(pdf) == ("2", "B")
    assert all(row["emb"] == "yes" for row in pdf_fonts(pdf))


def test_cold_converter_keeps_the_seal_anchor_too() -> None:
    """Both converters export the template's `anjuan_seal` bookmark, so either output can be sealed."""
    from anjuan.signing import find_seal_anchor
    from anjuan.templates import DocxRenderer

    from tests.fixtures.samples import sample_context

    docx = DocxRenderer().render("rectification_order", sample_context("rectification_order"))
    with ColdSofficeConverter() as cold:
        for pdfa in (False, True):
            assert find_seal_anchor(cold.convert(docx, pdfa=pdfa)) is not None
