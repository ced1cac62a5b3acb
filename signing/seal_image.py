"""Seal images (印章图像): the red round seal drawn from an organisation's name, or an uploaded one.

The visible seal is an image inside the signature appearance, not a text stamp: a text stamp embeds
a CJK font subset in every document (150–370 ms each here), an image costs about 20 ms.

:func:`draw_seal` follows the look of the official seals in 国务院关于国家行政机关和企业事业单位社会团体
印章管理的规定: a round red ring, a five-pointed star in the centre, the organisation's full name in
宋体 (here Noto Serif CJK SC Bold) along the upper arc, each character upright towards the ring, and for
the 行政执法专用章 the words 行政执法专用章 in a straight line under the star. An officer's seal
(:attr:`SealRole.officer`) is a small square name seal (张伟之印).

Everything is drawn as a coverage mask at twice the size and scaled down (anti-aliased edges), then
coloured with one red and a transparent background.
"""

from __future__ import annotations

import functools
import io
import math
import shutil
import subprocess
import threading
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

from .api import SealRole
from .errors import SealImageError

__all__ = [
    "FONT_CANDIDATES",
    "MAX_UPLOAD_BYTES",
    "MAX_UPLOAD_PX",
    "MIN_UPLOAD_PX",
    "SEAL_RED",
    "draw_seal",
    "find_cjk_font",
    "normalise_uploaded_seal",
]

SEAL_RED = (0xE6, 0x00, 0x12)  # 印章红 #E60012

# fontconfig patterns first (wherever the distribution put the fonts), then known Debian paths.
# Debian's Noto CJK files are .ttc collections: (path, face index), index 2 = Simplified Chinese (SC).
_FC_PATTERNS = ("Noto Serif CJK SC:bold", "Noto Sans CJK SC:bold", "Noto Serif CJK SC", "Noto Sans CJK SC")
FONT_CANDIDATES: tuple[tuple[Path, int], ...] = (
    (Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc"), 2),
    (Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"), 2),
    (Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"), 2),
    (Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"), 2),
    (Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"), 0),
    (Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"), 0),
    (Path("/usr/share/fonts/truetype/arphic/uming.ttc"), 0),
)

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MIN_UPLOAD_PX = 100
MAX_UPLOAD_PX = 4000
_UPLOAD_OUTPUT_PX = 1000  # larger uploads are scaled down: 1000 px over 42 mm is ~600 dpi
_MAX_NAME_CHARS = 40
_SUPERSAMPLE = 2
_ENFORCEMENT_TEXT = "行政执法专用章"
# FreeType faces (shared through the _font cache) are not safe for concurrent rendering; drawing is rare
# (the result is cached), so one lock is enough.
_draw_lock = threading.Lock()

# Geometry, as fractions of the outer radius R. The paper 机关印章 is 42 mm across with a 1–1.2 mm ring
# and a 14 mm star; the text sits just inside the ring.
_RING = 0.065
_MARGIN = 0.035  # between the ring and the top of the name's characters
_STAR = 0.32  # star outer radius
_NAME_HEIGHT = 0.26  # character height of the name (before shrinking for long names)
_BOTTOM_HEIGHT = 0.16  # 行政执法专用章 under the star
_BOTTOM_CENTRE = 0.56  # its vertical centre below the seal's centre
_MIN_SQUEEZE = 0.55  # narrowest character, as width/height, before the font size has to shrink
_MAX_WIDEN = 1.2  # widest character (short names)


# --- fonts ---------------------------------------------------------------------------------------------


@functools.cache
def find_cjk_font() -> tuple[Path, int]:
    """The CJK font (file, face index in a .ttc collection) to draw seals with: Noto Serif CJK SC Bold
    (宋体-like, as on paper seals) where available. :class:`SealImageError` ``no_cjk_font`` if none."""
    tried: list[str] = []
    fc_match = shutil.which("fc-match")
    if fc_match:
        for pattern in _FC_PATTERNS:
            try:
                out = subprocess.run(
                    [fc_match, "-f", "%{file}:%{index}", pattern], capture_output=True, text=True, timeout=10
                ).stdout.strip()
            except (OSError, subprocess.SubprocessError):
                break
            path, _, index = out.rpartition(":")
            if path and _covers_cjk(Path(path), int(index or 0)):
                return Path(path), int(index or 0)
            tried.append(f"fc-match {pattern!r} → {out or 'nothing'}")
    for path, index in FONT_CANDIDATES:
        if path.exists() and _covers_cjk(path, index):
            return path, index
        tried.append(str(path))
    raise SealImageError(
        "未找到中文字体，无法生成印章图像；请安装 Debian 软件包 fonts-noto-cjk（apt-get install fonts-noto-cjk）",
        "no CJK font found, seal images cannot be drawn; install the Debian package fonts-noto-cjk"
        " (apt-get install fonts-noto-cjk)",
        code="no_cjk_font",
        details={"tried": tried, "packages": ["fonts-noto-cjk"]},
    )


def _covers_cjk(path: Path, index: int) -> bool:
    """Whether the face has real glyphs for Chinese (fc-match answers with *some* font even when no CJK
    font is installed; a missing glyph renders as the same .notdef box as an unassigned code point)."""
    try:
        font = ImageFont.truetype(str(path), 32, index=index)
    except OSError:
        return False
    seal, missing = font.getmask("印"), font.getmask("\U000f0000")
    return seal.getbbox() is not None and bytes(seal) != bytes(missing)


def _font_face(font_path: Path | None) -> tuple[Path, int]:
    if font_path is None:
        return find_cjk_font()
    index = 0
    if font_path.suffix.lower() in (".ttc", ".otc"):  # a collection: prefer its Simplified Chinese face
        for i in range(16):
            try:
                family, _style = ImageFont.truetype(str(font_path), 12, index=i).getname()
            except OSError:
                break
            if family and " SC" in family:
                index = i
                break
    if not _covers_cjk(font_path, index):
        raise SealImageError(
            f"字体 {font_path} 不含中文字形",
            f"font {font_path} has no Chinese glyphs",
            code="no_cjk_font",
            details={"font_path": str(font_path)},
        )
    return font_path, index


@functools.lru_cache(maxsize=64)
def _font(path: Path, index: int, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size, index=index)


# --- drawing -------------------------------------------------------------------------------------------


def draw_seal(
    org_name: str,
    *,
    role: SealRole = SealRole.organ,
    size_px: int = 600,
    font_path: Path | None = None,
) -> bytes:
    """PNG (RGBA, transparent background) of the seal of ``org_name``: 机关印章 (``organ``),
    行政执法专用章 (``enforcement``), or for ``officer`` a square name seal of that person.

    Cached per (name, role, size, font)."""
    name = "".join(org_name.split())  # seals carry no spaces
    if not name or len(name) > _MAX_NAME_CHARS:
        raise SealImageError(
            f"印章文字“{org_name}”无效（1 至 {_MAX_NAME_CHARS} 个字）",
            f"invalid seal text {org_name!r} (1 to {_MAX_NAME_CHARS} characters)",
            code="bad_name",
            details={"org_name": org_name},
        )
    if not 64 <= size_px <= 4000:
        raise SealImageError(
            f"印章图像尺寸 {size_px} 像素无效（64 至 4000）",
            f"invalid seal image size {size_px} px (64 to 4000)",
            code="seal_image_error",
            details={"size_px": size_px},
        )
    face = _font_face(font_path)
    return _draw_cached(name, SealRole(role), size_px, face)


@functools.lru_cache(maxsize=256)
def _draw_cached(name: str, role: SealRole, size_px: int, face: tuple[Path, int]) -> bytes:
    side = size_px * _SUPERSAMPLE
    mask = Image.new("L", (side, side), 0)
    with _draw_lock:
        if role is SealRole.officer:
            _draw_name_seal(mask, name, face)
        else:
            bottom = _ENFORCEMENT_TEXT if role is SealRole.enforcement else ""
            _draw_round_seal(mask, name, face, bottom_text=bottom)
    mask = mask.resize((size_px, size_px), Image.Resampling.LANCZOS)
    image = Image.new("RGBA", (size_px, size_px), (*SEAL_RED, 0))
    image.putalpha(mask)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _draw_round_seal(mask: Image.Image, name: str, face: tuple[Path, int], *, bottom_text: str) -> None:
    side = mask.width
    c = side / 2
    r = side / 2 * 0.97  # a little room so the anti-aliased ring is not clipped
    draw = ImageDraw.Draw(mask)

    ring = max(2, round(r * _RING))
    draw.ellipse((c - r, c - r, c + r, c + r), outline=255, width=ring)
    draw.polygon(_star_points(c, c, r * _STAR), fill=255)

    # The name along the upper arc, centred on the top, from lower left clockwise to lower right.
    # Usual names (6–16 characters) spread over 210° → 250°; longer ones get narrower characters, then a
    # smaller font; short ones a shorter arc and wider characters, as on paper seals.
    n = len(name)
    span = 210.0 + min(max(n - 6, 0), 10) * 4.0 if n >= 6 else 36.0 * n
    height = r * _NAME_HEIGHT
    top = r - ring - r * _MARGIN  # top edge of the characters
    step = span / (n - 1) if n > 1 else 0.0
    width = height
    if n > 1:
        chord = (top - height / 2) * math.radians(step)  # arc length per character at mid-height
        width = min(chord * 0.9, height * _MAX_WIDEN)
        if width < height * _MIN_SQUEEZE:  # too narrow even squeezed: shrink the font
            height = width / _MIN_SQUEEZE
    radius = top - height / 2  # circle through the characters' centres
    for i, char in enumerate(name):
        angle = -span / 2 + i * step if n > 1 else 0.0
        glyph = _glyph(char, face, round(height), round(width))
        glyph = glyph.rotate(-angle, resample=Image.Resampling.BICUBIC, expand=True)
        x = c + radius * math.sin(math.radians(angle))
        y = c - radius * math.cos(math.radians(angle))
        _stamp(mask, glyph, x, y)

    if bottom_text:
        # A straight line under the star, within the ring's chord at that height.
        b_height = r * _BOTTOM_HEIGHT
        b_y = c + r * _BOTTOM_CENTRE
        half_chord = math.sqrt(max((r - ring) ** 2 - (r * _BOTTOM_CENTRE + b_height / 2) ** 2, 0.0))
        b_width = min(b_height, half_chord * 2 * 0.8 / len(bottom_text))
        line = Image.new("L", (round(b_width * len(bottom_text)) + 2, round(b_height) + 2), 0)
        for i, char in enumerate(bottom_text):
            glyph = _glyph(char, face, round(b_height), round(b_width))
            line.paste(glyph, (round(i * b_width), 1), glyph)
        _stamp(mask, line, c, b_y)


def _draw_name_seal(mask: Image.Image, name: str, face: tuple[Path, int]) -> None:
    """An officer's square name seal: 张伟之印 in two columns, read top to bottom, right to left."""
    side = mask.width
    text = name + ("之印" if len(name) == 2 else "印" if len(name) == 3 else "")
    rows = math.ceil(len(text) / 2)
    border = round(side * 0.06)
    inset = side * 0.03
    draw = ImageDraw.Draw(mask)
    draw.rectangle((inset, inset, side - inset, side - inset), outline=255, width=border)
    inner = side - 2 * (inset + border) - 2 * side * 0.03
    cell_w, cell_h = inner / 2, inner / rows
    origin = inset + border + side * 0.03
    for i, char in enumerate(text):
        col, row = 1 - i // rows, i % rows  # first column on the right
        glyph = _glyph(char, face, round(cell_h * 0.92), round(cell_w * 0.92))
        _stamp(mask, glyph, origin + (col + 0.5) * cell_w, origin + (row + 0.5) * cell_h)


def _glyph(char: str, face: tuple[Path, int], height: int, width: int) -> Image.Image:
    """One character as a coverage mask ``width`` × ``height``: drawn on its em square (so that every
    character sits on the same baseline and centre line), then scaled to the box (narrow for long names)."""
    size = max(height, 4)
    font = _font(face[0], face[1], size)
    em = Image.new("L", (size, size), 0)
    ImageDraw.Draw(em).text((size / 2, size / 2), char, font=font, fill=255, anchor="mm")
    if width != size:
        em = em.resize((max(width, 1), size), Image.Resampling.LANCZOS)
    return em


def _stamp(mask: Image.Image, piece: Image.Image, cx: float, cy: float) -> None:
    """Add ``piece`` (a coverage mask) to ``mask`` centred at (cx, cy), keeping the stronger coverage."""
    x, y = round(cx - piece.width / 2), round(cy - piece.height / 2)
    region = mask.crop((x, y, x + piece.width, y + piece.height))
    mask.paste(ImageChops.lighter(region, piece), (x, y))


def _star_points(cx: float, cy: float, outer: float) -> list[tuple[float, float]]:
    inner = outer * math.sin(math.radians(18)) / math.sin(math.radians(54))  # regular pentagram, ≈ 0.382
    points = []
    for k in range(10):
        radius = outer if k % 2 == 0 else inner
        angle = math.radians(-90 + k * 36)  # first point straight up
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    return points


# --- uploads -------------------------------------------------------------------------------------------


def normalise_uploaded_seal(data: bytes) -> bytes:
    """An uploaded seal (PNG or JPEG, e.g. a scan) as an RGBA PNG: near-white background made transparent,
    cropped to the seal, at most 1000 px. Refuses other formats, files over 5 MB, images under 100 px or
    over 4000 px on a side, and images with nothing left after removing the background."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise _bad_upload(
            f"上传的印章图像过大（{len(data) // 1024} KB，上限 5 MB）",
            f"uploaded seal image too large ({len(data) // 1024} KB, limit 5 MB)",
            size_bytes=len(data),
        )
    try:
        image = Image.open(io.BytesIO(data))
        fmt = image.format
        width, height = image.size  # from the header: checked before decoding anything (no pixel bombs)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise _bad_upload(
            "无法识别上传的印章图像（仅支持 PNG 和 JPEG）", "unreadable seal image (PNG or JPEG only)"
        ) from exc
    if fmt not in ("PNG", "JPEG"):
        raise _bad_upload(
            f"不支持的印章图像格式 {fmt}（仅支持 PNG 和 JPEG）",
            f"unsupported seal image format {fmt} (PNG or JPEG only)",
            format=fmt,
        )
    if min(width, height) < MIN_UPLOAD_PX or max(width, height) > MAX_UPLOAD_PX:
        raise _bad_upload(
            f"印章图像尺寸 {width}×{height} 像素不合适（每边 {MIN_UPLOAD_PX} 至 {MAX_UPLOAD_PX} 像素）",
            f"seal image of {width}×{height} px refused (each side {MIN_UPLOAD_PX} to {MAX_UPLOAD_PX} px)",
            width=width,
            height=height,
        )
    try:
        image = ImageOps.exif_transpose(image)  # phone photos of a seal: honour the orientation tag
        rgba = image.convert("RGBA")
    except (OSError, SyntaxError, ValueError) as exc:  # truncated or corrupt pixel data
        raise _bad_upload("上传的印章图像已损坏", "the uploaded seal image is damaged") from exc

    red, green, blue, alpha = rgba.split()
    darkest = ImageChops.darker(ImageChops.darker(red, green), blue)
    # Paper is near-white: min(R, G, B) ≥ 235 becomes fully transparent, ≤ 195 stays; in between fades,
    # which keeps the anti-aliased edge of the ink soft.
    keep = darkest.point(lambda v: 255 if v <= 195 else 0 if v >= 235 else (235 - v) * 255 // 40)
    rgba.putalpha(ImageChops.multiply(alpha, keep))
    box = rgba.getchannel("A").point(lambda v: 255 if v > 16 else 0).getbbox()
    if box is None:
        raise _bad_upload(
            "上传的图像中没有印章（去除白色背景后为空）", "no seal in the uploaded image (blank after removing white)"
        )
    pad = round(max(box[2] - box[0], box[3] - box[1]) * 0.02)
    rgba = rgba.crop(
        (max(box[0] - pad, 0), max(box[1] - pad, 0), min(box[2] + pad, rgba.width), min(box[3] + pad, rgba.height))
    )
    if max(rgba.size) > _UPLOAD_OUTPUT_PX:
        rgba.thumbnail((_UPLOAD_OUTPUT_PX, _UPLOAD_OUTPUT_PX), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    rgba.save(out, format="PNG")
    return out.getvalue()


def _bad_upload(message_zh: str, message_en: str, **details: object) -> SealImageError:
    return SealImageError(message_zh, message_en, code="bad_upload", details=dict(details))
