"""Formatting and parsing of 文号 strings; input in any bracket style, output always full-width."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["NumberParts", "format_number", "normalise_number", "parse_number", "placeholder_number"]

# Brackets people actually type for （）and 〔〕: half-width, 【】, [], ［］, ﹝﹞, 〈〉.
_ROUND = str.maketrans({"(": "（", ")": "）"})
_YEAR = str.maketrans({"[": "〔", "]": "〕", "【": "〔", "】": "〕", "［": "〔", "］": "〕", "﹝": "〔", "﹞": "〕"})
_PATTERN = re.compile(
    r"^（(?P<area>[^（）]+)）(?P<codes>[^〔〕]+)〔(?P<year>\d{4})〕(?P<seq>\d+)(?:-(?P<suffix>\d+))?号$"
)


@dataclass(frozen=True)
class NumberParts:
    area: str  # 行政区划简称
    codes: str  # 机关代字 + 文书代字, e.g. 应急罚
    year: int
    seq: int
    suffix: int | None = None

    def __str__(self) -> str:
        return format_number(self.area, self.codes, "", self.year, self.seq, self.suffix)


def format_number(area: str, org_code: str, form_code: str, year: int, seq: int, suffix: int | None = None) -> str:
    tail = f"{seq}-{suffix}" if suffix else f"{seq}"
    return f"（{area}）{org_code}{form_code}〔{year}〕{tail}号"


def placeholder_number(area: str, org_code: str, form_code: str) -> str:
    """The number line of a draft preview: the blanks a paper form shows before 签发."""
    return f"（{area}）{org_code}{form_code}〔　　　　〕　　号"


def normalise_number(text: str) -> str:
    """Full-width brackets, no spaces: the form in which numbers are stored and compared."""
    text = re.sub(r"\s+", "", text.strip())
    return text.translate(_ROUND).translate(_YEAR).replace("－", "-")


def parse_number(text: str) -> NumberParts | None:
    match = _PATTERN.match(normalise_number(text))
    if not match:
        return None
    return NumberParts(
        area=match["area"],
        codes=match["codes"],
        year=int(match["year"]),
        seq=int(match["seq"]),
        suffix=int(match["suffix"]) if match["suffix"] else None,
    )
