"""Seal images: the drawn round seal (机关印章, 行政执法专用章), the officer's name seal, uploads."""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from pathlib import Path

import pytest
from anjuan.signing import seal_image
from anjuan.signing.api import SealRole
from anjuan.signing.errors import SealImageError
from anjuan.signing.seal_image import SEAL_RED, draw_seal, find_cjk_font, normalise_uploaded_seal
from PIL import Image, ImageDraw

BUREAU = "临汾市尧都区应急管理局"


def open_png(data: bytes) -> Image.Image:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    image.load()
    return image


def ink_pixels(image: Image.Image, box: tuple[int, int, int, int] | None = None) -> int:
    """Pixels with any coverage in ``box``."""
    alpha = image.getchannel("A")
    if box is not None:
        alpha = alpha.crop(box)
    return alpha.point(lambda v: 255 if v > 32 else 0).histogram()[255]


@pytest.fixture
def no_fonts(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No fontconfig and none of the known font files."""
    find_cjk_font.cache_clear()
    monkeypatch.setattr(seal_image.shutil, "which", lambda _name: None)
    monkeypatch.setattr(seal_image, "FONT_CANDIDATES", ((Path("/nonexistent/font.ttc"), 0),))
    yield
    find_cjk_font.cache_clear()


def test_round_seal_image() -> None:
    image = open_png(draw_seal(BUREAU))
    assert image.mode == "RGBA" and image.size == (600, 600)
    # every visible pixel is seal red (only the alpha varies, at anti-aliased edges)
    assert image.convert("RGB").getcolors() == [(600 * 600, SEAL_RED)]
    # transparent corners and background, ink on the ring and in the star at the centre
    alpha = image.getchannel("A")
    for corner in ((0, 0), (599, 0), (0, 599), (599, 599), (30, 30)):
        assert alpha.getpixel(corner) == 0
    assert alpha.getpixel((300, 300)) == 255  # star centre
    assert alpha.getpixel((300, 14)) == 255  # ring, top
    assert alpha.getpixel((300, 586)) == 255  # ring, bottom
    # inside the circle: a real share of ink (ring + star + name), but mostly transparent paper
    inside = math.pi * 290**2
    assert 0.12 < ink_pixels(image) / inside < 0.45
    # the name is on the upper arc, above the star, and nothing is drawn outside the ring
    assert ink_pixels(image, (150, 40, 450, 150)) > 2000
    ring_outside = Image.new("L", (600, 600), 255)
    ImageDraw.Draw(ring_outside).ellipse((2, 2, 598, 598), fill=0)
    outside = Image.composite(image.getchannel("A"), Image.new("L", (600, 600), 0), ring_outside)
    assert outside.getbbox() is None


def test_enforcement_seal_has_text_under_the_star() -> None:
    organ = open_png(draw_seal(BUREAU, role=SealRole.organ))
    enforcement = open_png(draw_seal(BUREAU, role=SealRole.enforcement))
    below_star = (190, 420, 410, 500)
    assert ink_pixels(organ, below_star) == 0  # 机关印章: nothing under the star
    assert ink_pixels(enforcement, below_star) > 1500  # 行政执法专用章


def test_officer_name_seal_is_square() -> None:
    image = open_png(draw_seal("张伟", role=SealRole.officer, size_px=300))
    assert image.size == (300, 300)
    alpha = image.getchannel("A")
    assert alpha.getpixel((150, 15)) == 255 and alpha.getpixel((15, 150)) == 255  # square frame
    assert alpha.getpixel((0, 0)) == 0


def test_names_sizes_and_cache() -> None:
    a = draw_seal(BUREAU)
    assert draw_seal(BUREAU) is a  # cached
    assert draw_seal(" 临汾市 尧都区应急管理局 ") is a  # spaces are not part of a seal
    assert draw_seal("临汾市应急管理局") != a
    assert open_png(draw_seal(BUREAU, size_px=200)).size == (200, 200)
    for name in ("某县应急局", "新疆生产建设兵团第一师阿拉尔市应急管理局综合行政执法支队"):
        assert ink_pixels(open_png(draw_seal(name))) > 10000
    with pytest.raises(SealImageError):
        draw_seal("  ")
    with pytest.raises(SealImageError):
        draw_seal("局" * 41)
    with pytest.raises(SealImageError):
        draw_seal(BUREAU, size_px=10)


def test_font_is_a_cjk_collection_face() -> None:
    path, index = find_cjk_font()
    assert path.exists()
    if path.suffix == ".ttc":
        from PIL import ImageFont

        family, _style = ImageFont.truetype(str(path), 12, index=index).getname()
        assert family is not None and "CJK SC" in family


def test_missing_cjk_font_is_a_clear_error(no_fonts: None) -> None:
    with pytest.raises(SealImageError) as exc_info:
        find_cjk_font()
    assert exc_info.value.code == "no_cjk_font"
    assert "fonts-noto-cjk" in exc_info.value.message_en


def test_font_without_chinese_is_refused() -> None:
    latin = next(
        (p for p in Path("/usr/share/fonts/truetype").rglob("*.ttf") if "Liberation" in p.name or "DejaVu" in p.name),
        None,
    )
    if latin is None:
        pytest.skip("no Latin-only TrueType font installed to test with")
    with pytest.raises(SealImageError) as exc_info:
        draw_seal(BUREAU, font_path=latin)
    assert exc_info.value.code == "no_cjk_font"


# --- uploads -------------------------------------------------------------------------------------------


def scanned_seal(fmt: str, size: int = 400) -> bytes:
    """A 'scan': a red ring and dot on white paper."""
    image = Image.new("RGB", (size, size), (250, 250, 248))
    draw = ImageDraw.Draw(image)
    draw.ellipse((40, 40, size - 40, size - 40), outline=(220, 20, 30), width=16)
    draw.ellipse((size // 2 - 40, size // 2 - 40, size // 2 + 40, size // 2 + 40), fill=(220, 20, 30))
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_upload_normalised_to_transparent_png(fmt: str) -> None:
    image = open_png(normalise_uploaded_seal(scanned_seal(fmt)))
    assert image.mode == "RGBA"
    # cropped to the seal (plus a small margin), white paper gone, red kept
    assert 320 <= image.width <= 350 and 320 <= image.height <= 350  # JPEG noise widens it a little
    assert image.getchannel("A").getpixel((0, 0)) == 0
    assert image.getchannel("A").getpixel((image.width // 4, image.height // 4)) == 0  # paper inside the ring
    r, g, b, a = image.getpixel((image.width // 2, image.height // 2))
    assert a == 255 and r > 180 and g < 80 and b < 80


def test_large_upload_is_scaled_down() -> None:
    image = open_png(normalise_uploaded_seal(scanned_seal("PNG", size=2400)))
    assert max(image.size) == 1000


def test_bad_uploads_refused() -> None:
    out = io.BytesIO()
    Image.new("RGB", (400, 400), (200, 0, 0)).save(out, format="GIF")
    blank = io.BytesIO()
    Image.new("RGB", (400, 400), (255, 255, 255)).save(blank, format="PNG")
    tiny = io.BytesIO()
    Image.new("RGB", (50, 400), (200, 0, 0)).save(tiny, format="PNG")
    huge = io.BytesIO()
    Image.new("L", (4500, 120), 0).save(huge, format="PNG")
    for data in (
        b"garbage, not an image",
        b"",
        out.getvalue(),  # GIF
        blank.getvalue(),  # nothing but paper
        tiny.getvalue(),
        huge.getvalue(),
        scanned_seal("PNG")[:200],  # truncated
        b"\x89PNG\r\n\x1a\n" + b"\0" * (seal_image.MAX_UPLOAD_BYTES + 1),
    ):
        with pytest.raises(SealImageError) as exc_info:
            normalise_uploaded_seal(data)
        assert exc_info.value.code == "bad_upload"
