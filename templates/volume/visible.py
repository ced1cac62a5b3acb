"""What a reader of a volume actually sees: the pages rendered by poppler's ``pdftoppm``.

Text extraction reads every string drawn on a page, including one painted over by a white box, drawn
in white, or drawn invisible (text render mode 3). A stamp whited out and over-printed then reads as
two page numbers, and hidden text could pose as a stamp or a title. Rendering the page answers the
reader's question directly — is there ink where the text is? — whatever the trick (white rectangle,
white or invisible text, clipping), without interpreting content streams ourselves.

Pages are rendered once, in grey, at a resolution where a 10-point glyph still leaves dark pixels.
Without poppler nothing is rendered and every run counts as visible (the check then cannot see
over-printing; ``check_volume`` says so only by finding nothing)."""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from PIL import Image

__all__ = ["INK", "Rendering", "WhiteBox", "render_pages", "white_boxes"]

DPI = 72  # 1 px per PDF point: a 10.5 pt CJK glyph spans ~10 px, its strokes at least one dark pixel
INK = 200  # a pixel darker than this (0 black … 255 white) is ink; anti-aliased strokes stay well below


class Rendering:
    """Grey renderings of the pages of one PDF, asked whether boxes (PDF points) carry ink."""

    def __init__(self, images: Sequence[Image.Image], sizes: Sequence[tuple[float, float]]) -> None:
        self._images = list(images)
        self._sizes = list(sizes)

    def __len__(self) -> int:
        return len(self._images)

    def inked(self, page: int, x1: float, y1: float, x2: float, y2: float) -> bool:
        """Whether the box (points, y up from the bottom) on 0-based ``page`` shows any ink."""
        image = self._images[page]
        width, height = self._sizes[page]
        sx, sy = image.width / width, image.height / height
        left, right = max(0, int(x1 * sx)), min(image.width, int(x2 * sx + 1))
        top, bottom = max(0, int((height - y2) * sy)), min(image.height, int((height - y1) * sy + 1))
        if right <= left or bottom <= top:
            return False
        darkest, _ = image.crop((left, top, right, bottom)).getextrema()
        return bool(darkest < INK)


def render_pages(pdf: bytes, sizes: Sequence[tuple[float, float]]) -> Rendering | None:
    """Every page rendered in grey (``sizes``: each page's width and height in points, as the text
    was read), or None if poppler is absent, fails, or renders another number of pages."""
    exe = shutil.which("pdftoppm")
    if exe is None:
        return None
    # A page of 200 × 200 inches is 207 megapixels at one pixel per point: written to disk and then
    # refused by Pillow. Pages past Pillow's limit (the archive sets it) are not rendered at all.
    scale = DPI / 72
    if any(w * scale * h * scale > (Image.MAX_IMAGE_PIXELS or float("inf")) for w, h in sizes):
        return None
    with tempfile.TemporaryDirectory(prefix="anjuan-render-") as tmp:
        source = Path(tmp) / "volume.pdf"
        source.write_bytes(pdf)
        try:
            result = subprocess.run(
                [exe, "-r", str(DPI), "-gray", "-q", str(source), str(Path(tmp) / "p")],
                capture_output=True,
                timeout=300,
            )
        except (OSError, subprocess.SubprocessError):
            return None
        if result.returncode != 0:
            return None
        # pdftoppm names pages p-1.pgm … or p-01.pgm (zero-padded to the page count's width).
        files = sorted(Path(tmp).glob("p-*.pgm"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
        if len(files) != len(sizes):
            return None
        images = []
        for file in files:
            with Image.open(file) as image:
                images.append(image.convert("L"))
    return Rendering(images, sizes)


@dataclass(frozen=True)
class WhiteBox:
    """A white rectangle painted on a page after other content (points, y up), and where text was
    put down after it — text drawn later shows on top of it, text drawn before is hidden under it.

    Rendering alone cannot tell the two apart when a forger whites out a stamp and prints another
    number on the same spot: both boxes then show ink. The order of drawing can."""

    x1: float
    y1: float
    x2: float
    y2: float
    # Text shown after the box: its origin, and the string when it reads as plain ASCII (a simple
    # font; None for the glyph ids of embedded CID fonts) — two numbers printed on one spot are told
    # apart by what each says.
    later_text: tuple[tuple[float, float, str | None], ...]

    def covers(self, x: float, y: float) -> bool:
        return self.x1 <= x <= self.x2 and self.y1 <= y <= self.y2


def _apply(m: Sequence[float], x: float, y: float) -> tuple[float, float]:
    return m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]


def _concat(a: Sequence[float], b: Sequence[float]) -> list[float]:
    """a × b (PDF matrices [a b c d e f]): first a, then b."""
    return [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    ]


_WHITE = {"g": [1.0], "rg": [1.0, 1.0, 1.0], "k": [0.0, 0.0, 0.0, 0.0]}
_FILLS = {"f", "F", "f*", "B", "B*", "b", "b*"}
_SHOWS = {"Tj", "TJ", "'", '"'}


def white_boxes(pdf: bytes) -> list[list[WhiteBox]]:
    """Per page, the white filled rectangles its own content stream paints after it has drawn
    something (a background painted first hides nothing). Form XObjects are not entered: a forger
    appends to the page; anything else is left to the rendering."""
    out: list[list[WhiteBox]] = []
    try:
        document = pikepdf.open(io.BytesIO(pdf))
    except pikepdf.PdfError:
        return out
    with document:
        for page in document.pages:
            try:
                ops = pikepdf.parse_content_stream(page)
            except pikepdf.PdfError:
                out.append([])
                continue
            out.append(_page_boxes(ops))
    return out


def _page_boxes(ops: Sequence[pikepdf.ContentStreamInstruction]) -> list[WhiteBox]:
    ctm: list[float] = [1, 0, 0, 1, 0, 0]
    stack: list[tuple[list[float], bool]] = []
    white = False
    drawn = False  # something (text or an XObject) was drawn before
    path: list[tuple[float, float, float, float]] = []
    tm: list[float] = [1, 0, 0, 1, 0, 0]
    line: list[float] = [1, 0, 0, 1, 0, 0]
    boxes: list[tuple[float, float, float, float, list[tuple[float, float, str | None]]]] = []
    for instruction in ops:
        op = str(instruction.operator)
        args = [_number(a) for a in instruction.operands]  # None for names, strings, arrays
        if op == "q":
            stack.append((ctm, white))
        elif op == "Q" and stack:
            ctm, white = stack.pop()
        elif op == "cm" and len(args) == 6:
            ctm = _concat([a or 0.0 for a in args], ctm)
        elif op in _WHITE:
            white = args == _WHITE[op]
        elif op in ("sc", "scn"):
            values = [a for a in args if a is not None]
            white = bool(values) and values in ([1.0], [1.0, 1.0, 1.0])
        elif op == "re" and len(args) == 4:
            x, y, w, h = (a or 0.0 for a in args)
            corners = [_apply(ctm, cx, cy) for cx, cy in ((x, y), (x + w, y), (x, y + h), (x + w, y + h))]
            xs, ys = [c[0] for c in corners], [c[1] for c in corners]
            path.append((min(xs), min(ys), max(xs), max(ys)))
        elif op in _FILLS:
            if white and drawn:
                boxes.extend((*rect, []) for rect in path)
            path = []
        elif op in ("S", "s", "n", "W", "W*"):
            path = [] if op in ("S", "s", "n") else path
        elif op == "BT":
            tm, line = [1, 0, 0, 1, 0, 0], [1, 0, 0, 1, 0, 0]
        elif op == "Tm" and len(args) == 6:
            tm = line = [a or 0.0 for a in args]
        elif op in ("Td", "TD") and len(args) == 2:
            line = _concat([1, 0, 0, 1, args[0] or 0.0, args[1] or 0.0], line)
            tm = line
        elif op in _SHOWS or op == "Do":
            drawn = True
            if op in _SHOWS:
                x, y = _apply(_concat(tm, ctm), 0, 0)
                shown = _ascii(instruction.operands)
                for box in boxes:
                    box[4].append((x, y, shown))
    return [WhiteBox(x1, y1, x2, y2, tuple(later)) for x1, y1, x2, y2, later in boxes]


def _ascii(operands: Sequence[object]) -> str | None:
    """The string a text-showing operator shows, if its bytes are printable ASCII."""
    data = b""
    for operand in operands:
        items = list(operand) if isinstance(operand, pikepdf.Array) else [operand]
        data += b"".join(bytes(item) for item in items if isinstance(item, pikepdf.String))
    return data.decode("ascii") if data and all(32 <= b < 127 for b in data) else None


def _number(value: object) -> float | None:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
