"""公示脱敏 (redaction for the public notice of penalty decisions).

When a 行政处罚决定 is published, the personal data of natural persons (自然人) must be hidden:
names become 张某 / 欧阳某, and 身份证号, telephone numbers, home addresses and bank card numbers are
replaced by a bracketed placeholder. Data of organisations (单位) is not personal data and stays as is:
company names, 统一社会信用代码 and business addresses are part of what the public is entitled to see.

The rules are plain regular expressions applied in a fixed order (see `redact_text`); every number
rule is anchored so that it never matches inside a longer run of letters/digits, which is what keeps
统一社会信用代码 (91141002MA0K1234EY), 文号 (（晋临）应急罚〔2023〕12号), dates, amounts and article
numbers intact.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

__all__ = [
    "ADDRESS_PLACEHOLDER",
    "BANK_CARD_PLACEHOLDER",
    "COMPOUND_SURNAMES",
    "ID_PLACEHOLDER",
    "PHONE_PLACEHOLDER",
    "is_credit_code",
    "is_id_number",
    "mask_name",
    "redact_text",
]

ID_PLACEHOLDER = "[身份证号已隐去]"
PHONE_PLACEHOLDER = "[电话已隐去]"
ADDRESS_PLACEHOLDER = "[住址已隐去]"
BANK_CARD_PLACEHOLDER = "[银行卡号已隐去]"

# Two-character surnames: masking only the first character would leak half the surname and give
# the odd-looking "欧某" for 欧阳娜娜, so these keep both characters.
COMPOUND_SURNAMES: frozenset[str] = frozenset(
    [
        "欧阳",
        "司马",
        "诸葛",
        "上官",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "宇文",
        "司徒",
        "夏侯",
        "轩辕",
        "令狐",
        "钟离",
        "端木",
        "西门",
        "南宫",
    ]
)

# A number is only a candidate when it is not glued to other letters/digits; otherwise a digit run
# inside a credit code or a longer number would be picked out and mangled.
_NOT_ALNUM_BEFORE = r"(?<![0-9A-Za-z])"
_NOT_ALNUM_AFTER = r"(?![0-9A-Za-z])"

_ID18_RE = re.compile(_NOT_ALNUM_BEFORE + r"\d{17}[\dXx]" + _NOT_ALNUM_AFTER)
_ID15_RE = re.compile(_NOT_ALNUM_BEFORE + r"\d{15}" + _NOT_ALNUM_AFTER)
# 16–19 digits, either contiguous or written in groups of four (6222 0200 1234 5678 901).
_BANK_CARD_RE = re.compile(
    _NOT_ALNUM_BEFORE + r"(?:\d{16,19}|\d{4}(?:[ -]\d{4}){3}(?:[ -]?\d{1,3})?)" + _NOT_ALNUM_AFTER
)
# Mobile: 1[3-9] + 9 digits, optionally grouped 3-4-4 by spaces/dashes, optionally with a +86 / 86 prefix.
# "+" is excluded before the match so that "+86" is swallowed rather than left dangling.
_MOBILE_RE = re.compile(r"(?<![0-9A-Za-z+])(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?!\d)")
# Landline: area code 0 + 2–3 digits, dash, 7–8 digits; also "(0351)1234567".
_LANDLINE_RE = re.compile(r"(?<![0-9A-Za-z])(?:0\d{2,3}-|[(（]0\d{2,3}[)）])\d{7,8}(?!\d)")
# Address keywords, longest first so that 家庭住址 / 户籍地址 win over 住址 / 户籍地. The value runs to the
# next clause punctuation; the keyword and its separator are kept so the sentence still reads.
_ADDRESS_RE = re.compile(
    r"(?P<head>(?:家庭住址|户籍地址|居住地址|户籍地|居住地|住址|住所)\s*(?:[:：]|为|在)?\s*)"
    r"(?P<value>[^，。；,;\n]+)"
)
# For an organisation the 住所 is its registered business address, which a notice publishes; a
# person's 住址/家庭住址 mentioned in its decision is still hidden.
_PERSON_ADDRESS_RE = re.compile(
    r"(?P<head>(?:家庭住址|户籍地址|居住地址|户籍地|居住地|住址)\s*(?:[:：]|为|在)?\s*)"
    r"(?P<value>[^，。；,;\n]+)"
)

# ISO 7064 MOD 11-2 weights and check characters for the 18-digit 居民身份证号码 (GB 11643-1999).
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"

# GB 32100-2015 统一社会信用代码: 31-character alphabet (no I, O, Z, S, V) and MOD 31 weights. Older
# organisations have all-digit codes, which would otherwise look like an 18-digit bank card or ID.
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def mask_name(name: str) -> str:
    """Mask a natural person's name for publication: 张三 → 张某, 欧阳娜娜 → 欧阳某.

    Names that are not Chinese (or otherwise unexpected) fall back to first character + 某, which is
    still non-identifying and keeps the text readable. An empty name stays empty.
    """
    name = name.strip()
    if not name:
        return ""
    # A two-character name such as 欧阳 is surname 欧 + given name 阳, so the compound rule needs a third character.
    if name[:2] in COMPOUND_SURNAMES and len(name) > 2:
        return name[:2] + "某"
    return name[0] + "某"


def _valid_date(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _check_char(first17: str) -> str:
    return _ID_CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def is_credit_code(value: str) -> bool:
    """Whether `value` is a 统一社会信用代码 with a correct GB 32100-2015 check character."""
    value = value.upper()
    if len(value) != 18 or any(c not in _USCC_CHARS for c in value):
        return False
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(value[:17], _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31] == value[17]


def is_id_number(value: str) -> bool:
    """Whether `value` should be treated (and redacted) as a 居民身份证号码.

    18 characters: 17 digits + digit/X with a valid birth date (positions 7–14, YYYYMMDD, 1900–2099),
    and either a correct MOD 11-2 check character, or all 18 characters digits. The second branch is
    deliberate: an all-digit number with a plausible birth date is most likely a mistyped ID, and
    leaving it in a public notice is the worse error. An X-ending string with a wrong check character
    is not an ID (and not redacted), because only the check algorithm could have produced that X.

    15 characters (pre-1999 format): all digits with a valid YYMMDD birth date at positions 7–12
    (century 19). Checking the date keeps the old 15-digit 工商注册号 of companies, which is not
    personal data, out of the redaction.
    """
    if len(value) == 18 and value[:17].isdigit() and (value[17].isdigit() or value[17] in "Xx"):
        year, month, day = int(value[6:10]), int(value[10:12]), int(value[12:14])
        if not (1900 <= year <= 2099 and _valid_date(year, month, day)):
            return False
        if _check_char(value[:17]) == value[17].upper():
            return True
        # An all-digit 统一社会信用代码 can carry a plausible "birth date"; a correct USCC check digit
        # says it is an organisation's code, which is published.
        return value[17].isdigit() and not is_credit_code(value)
    if len(value) == 15 and value.isdigit():
        return _valid_date(1900 + int(value[6:8]), int(value[8:10]), int(value[10:12]))
    return False


def _redact_ids(match: re.Match[str]) -> str:
    return ID_PLACEHOLDER if is_id_number(match.group()) else match.group()


def _redact_bank_cards(match: re.Match[str]) -> str:
    # All-digit 18-character credit codes are not card numbers.
    return match.group() if is_credit_code(match.group()) else BANK_CARD_PLACEHOLDER


def redact_text(text: str, *, names: Iterable[str] = (), organisation: bool = False) -> str:
    """Redact personal data of natural persons in `text` for publication.

    `names` are the natural persons named in the decision (当事人, 法定代表人 of an individual business,
    witnesses…); every occurrence of each is replaced by `mask_name`, so the 违法事实 narrative is masked
    too. Organisation names must not be passed here — they are published unmasked. With
    `organisation=True` (the 当事人 is a 单位) its 住所 stays: that is the registered address.

    Order matters: names first (their masked form contains no digits, so later rules are unaffected);
    ID numbers before bank cards, because an 18-digit ID also looks like a 16–19 digit card; both
    before phones, so that 11 digits inside a longer number are never taken for a mobile; addresses last,
    so a phone number that follows an address without punctuation is already a placeholder.
    """
    # Longest first: with 张三 and 张三丰 both given, 张三丰 must be replaced as a whole.
    for name in sorted({n.strip() for n in names if n.strip()}, key=len, reverse=True):
        text = text.replace(name, mask_name(name))
    text = _ID18_RE.sub(_redact_ids, text)
    text = _ID15_RE.sub(_redact_ids, text)
    text = _BANK_CARD_RE.sub(_redact_bank_cards, text)
    text = _MOBILE_RE.sub(PHONE_PLACEHOLDER, text)
    text = _LANDLINE_RE.sub(PHONE_PLACEHOLDER, text)
    addresses = _PERSON_ADDRESS_RE if organisation else _ADDRESS_RE
    text = addresses.sub(lambda m: m.group("head") + ADDRESS_PLACEHOLDER, text)
    return text
