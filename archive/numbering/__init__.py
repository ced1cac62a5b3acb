"""文书编号 — official document numbers: format, parse, counters and the rules that pick a 序号.

A number reads ``（晋临）应急罚〔2023〕12号``: 行政区划简称 in full-width round brackets, 机关代字 +
文书代字, the year in 六角括号, the 序号 (with ``-n`` for repeats inside one case), then 号.
"""

from .counters import next_value, peek_value, set_start
from .format import NumberParts, format_number, normalise_number, parse_number, placeholder_number
from .profiles import NumberingProfile, load_profiles

__all__ = [
    "NumberParts",
    "NumberingProfile",
    "format_number",
    "load_profiles",
    "next_value",
    "normalise_number",
    "parse_number",
    "peek_value",
    "placeholder_number",
    "set_start",
]
