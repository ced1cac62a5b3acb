"""Size limits (issue 17): one request must not buy unbounded work.

Each limit is a field of :class:`~anjuan.archive.config.Settings` (``ANJUAN_…``); a refusal is
:class:`~anjuan.archive.errors.TooLarge` (HTTP 413) with a code of its own and ``details`` naming
the limit: ``setting`` (the environment variable), ``limit``, ``value`` (what was refused, where
known) and ``unit``. The HTTP edge checks bodies and uploads before reading them; the services
check again what reaches them, so the CLI and any other caller get the same limits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from .config import Settings
from .errors import TooLarge

__all__ = ["UPLOADS", "Upload", "check_image_pixels", "check_limit", "check_upload", "exceeded", "upload_limit"]

Unit = Literal["bytes", "characters", "items", "pixels", "pages"]
_UNIT_ZH = {"bytes": "字节", "characters": "字", "items": "项", "pixels": "像素", "pages": "页"}


def _amount(value: int, unit: Unit) -> str:
    if unit == "bytes" and value >= 1 << 20:
        return f"{value / (1 << 20):.1f} MiB"
    if unit == "bytes" and value >= 1 << 10:
        return f"{value / (1 << 10):.1f} KiB"
    if unit == "pixels" and value >= 1_000_000:
        return f"{value / 1_000_000:.1f} MP"
    return f"{value} {unit}"


def _amount_zh(value: int, unit: Unit) -> str:
    if unit in ("bytes", "pixels"):
        return _amount(value, unit)
    return f"{value}{_UNIT_ZH[unit]}"


def exceeded(
    setting: str,
    limit: int,
    value: int | None,
    *,
    code: str,
    what_zh: str,
    what_en: str,
    unit: Unit = "bytes",
    **details: Any,
) -> TooLarge:
    """The refusal of ``value`` past ``limit`` (the Settings field ``setting``)."""
    env = f"ANJUAN_{setting.upper()}"
    got_zh = f"{_amount_zh(value, unit)}，" if value is not None else ""
    got_en = f"{_amount(value, unit)}, " if value is not None else ""
    return TooLarge(
        f"{what_zh}超出限制（{got_zh}上限 {_amount_zh(limit, unit)}，设置项 {env}）",
        f"{what_en} too large ({got_en}limit {_amount(limit, unit)}, setting {env})",
        code=code,
        details={"setting": env, "limit": limit, "value": value, "unit": unit, **details},
    )


def check_limit(
    settings: Settings,
    setting: str,
    value: int,
    *,
    code: str,
    what_zh: str,
    what_en: str,
    unit: Unit = "bytes",
    **details: Any,
) -> None:
    limit = int(getattr(settings, setting))
    if value > limit:
        raise exceeded(setting, limit, value, code=code, what_zh=what_zh, what_en=what_en, unit=unit, **details)


@dataclass(frozen=True)
class Upload:
    """A kind of uploaded file and the setting that bounds it."""

    setting: str
    what_zh: str
    what_en: str


#: every kind of file a user can upload, by name (the HTTP routes and the services share these)
UPLOADS: dict[str, Upload] = {
    "attachment": Upload("upload_attachment_max_bytes", "证据材料文件", "evidence attachment"),
    "seal": Upload("upload_seal_max_bytes", "印章图像", "seal image"),
    "verify": Upload("upload_verify_max_bytes", "待验证的PDF", "PDF to verify"),
    "casefile_check": Upload("casefile_check_max_bytes", "待核对的卷宗PDF", "case-file PDF to check"),
}


def upload_limit(settings: Settings, kind: str) -> int:
    return int(getattr(settings, UPLOADS[kind].setting))


def check_upload(settings: Settings, kind: str, size: int) -> None:
    """Refuse an upload of ``kind`` larger than its limit (code ``upload_too_large``)."""
    upload = UPLOADS[kind]
    check_limit(
        settings,
        upload.setting,
        size,
        code="upload_too_large",
        what_zh=upload.what_zh,
        what_en=upload.what_en,
        kind=kind,
    )


def check_image_pixels(settings: Settings, data: bytes) -> None:
    """Refuse a PNG or JPEG whose header declares more pixels than ``image_max_pixels`` (code
    ``image_too_many_pixels``), before anything decodes it. Other files pass: their own checks
    say what they are."""
    from anjuan.templates.volume.attachments import image_dimensions

    size = image_dimensions(data)
    if size is not None:
        width, height = size
        check_limit(
            settings,
            "image_max_pixels",
            width * height,
            code="image_too_many_pixels",
            what_zh=f"图像尺寸（{width}×{height}）",
            what_en=f"image of {width}×{height} pixels",
            unit="pixels",
            width=width,
            height=height,
        )
