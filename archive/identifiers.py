"""Checks of official identifiers: 统一社会信用代码 (GB 32100-2015), lists of record ids."""

from __future__ import annotations

from collections.abc import Sequence

from .errors import FieldError, ValidationFailed

__all__ = ["credit_code_problem", "distinct_ids", "normalise_credit_code"]


def distinct_ids(ids: Sequence[int], field: str, label_zh: str, label_en: str) -> list[int]:
    """``ids`` unchanged when each appears once; a repeated one is an input error (the same officer
    twice is not two officers — and would break the one-row-per-officer tables)."""
    seen: set[int] = set()
    repeated: list[int] = []
    for i in ids:
        if i in seen:
            repeated.append(i)
        seen.add(i)
    if repeated:
        raise ValidationFailed(
            [
                FieldError(
                    field,
                    label_zh,
                    label_en,
                    f"重复：{'、'.join(map(str, dict.fromkeys(repeated)))}",
                    f"repeated: {', '.join(map(str, dict.fromkeys(repeated)))}",
                )
            ]
        )
    return list(ids)


# GB 32100-2015: 31 characters, the letters I, O, S, V, Z are never used.
_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def normalise_credit_code(code: str) -> str:
    # Full-width digits and letters are common when codes are copied from Word documents.
    table = {chr(0xFF10 + i): str(i) for i in range(10)}
    table.update({chr(0xFF21 + i): chr(0x41 + i) for i in range(26)})
    table.update({chr(0xFF41 + i): chr(0x41 + i) for i in range(26)})
    return "".join(table.get(c, c) for c in code.strip()).upper()


def credit_code_problem(code: str) -> tuple[str, str] | None:
    """Why ``code`` is not a valid 统一社会信用代码, as (zh, en); None when it is valid."""
    code = normalise_credit_code(code)
    if len(code) != 18:
        return (f"应为18位，实为{len(code)}位", f"must have 18 characters, has {len(code)}")
    bad = [c for c in code if c not in _ALPHABET]
    if bad:
        return (f"含有不允许的字符：{''.join(bad)}", f"contains characters not allowed: {''.join(bad)}")
    total = sum(_ALPHABET.index(c) * w for c, w in zip(code[:17], _WEIGHTS, strict=True))
    expected = _ALPHABET[(31 - total % 31) % 31]
    if code[17] != expected:
        return (f"校验码错误，应为{expected}", f"check character is wrong, expected {expected}")
    return None
