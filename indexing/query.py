"""The query language, parsed into a small backend-neutral tree.

Syntax (whitespace separates terms; terms are ANDed unless joined by OR)::

    有限空间 粉尘涉爆                 both, anywhere (each term is a substring match)
    "未按规定 配备"                    a quoted phrase: the exact characters (spaces ignored)
    有限空间 OR 受限空间              either
    NOT 烟花  /  -烟花                without
    (有限空间 OR 受限空间) 化工        grouping
    form:rectification_order         a field (English or Chinese name: 文书:, 当事人:, 文号: …)
    party:鑫达 handler:张伟            substring of the party's / handler's name
    issued:2023                      a year; issued:2023-05 a month; issued:2023-05-04 a day
    issued:2023-01-01..2023-06-30    a date range (either end may be left open: ..2023-06-30)
    amount:10000..50000              a penalty amount range in yuan
    应急罚〔2023〕12号                a number (文号, 信用代码, 案号, 档号): matched exactly

Bad syntax raises :class:`QuerySyntaxError` with the position, never a backend error; so does
nesting deeper than :data:`MAX_DEPTH` (parentheses, NOT and -), which would otherwise exhaust the
interpreter's stack.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from .analysis import looks_like_number

__all__ = [
    "FIELDS",
    "MAX_DEPTH",
    "And",
    "Match",
    "Node",
    "Not",
    "Or",
    "QuerySyntaxError",
    "Range",
    "parse",
]


class QuerySyntaxError(ValueError):
    def __init__(self, message_zh: str, message_en: str, position: int) -> None:
        super().__init__(message_en)
        self.message_zh = message_zh
        self.message_en = message_en
        self.position = position


@dataclass(frozen=True, slots=True)
class Match:
    """``text`` found in ``field`` ("text" = title and body). ``exact`` for keyword and number
    fields; otherwise a substring (a phrase if ``quoted``)."""

    field: str
    text: str
    quoted: bool = False


@dataclass(frozen=True, slots=True)
class Range:
    field: str  # issued | decided | filed | amount
    low: dt.date | float | None
    high: dt.date | float | None


@dataclass(frozen=True, slots=True)
class And:
    parts: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    parts: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    part: Node


Node = Match | Range | And | Or | Not

#: field name → canonical name. Keyword fields match whole values; text fields match substrings.
FIELDS: dict[str, str] = {
    "text": "text",
    "title": "title",
    "标题": "title",
    "form": "form",
    "type": "form",
    "文书": "form",
    "类型": "form",
    "kind": "kind",
    "status": "status",
    "状态": "status",
    "procedure": "procedure",
    "程序": "procedure",
    "industry": "industry",
    "行业": "industry",
    "org": "org",
    "机关": "org",
    "case": "case",
    "案件": "case",
    "party": "party",
    "当事人": "party",
    "handler": "handler",
    "执法人员": "handler",
    "number": "number",
    "文号": "number",
    "credit": "credit",
    "信用代码": "credit",
    "caseno": "caseno",
    "案号": "caseno",
    "fileno": "fileno",
    "档号": "fileno",
    "issued": "issued",
    "签发": "issued",
    "日期": "issued",
    "decided": "decided",
    "决定": "decided",
    "filed": "filed",
    "归档": "filed",
    "amount": "amount",
    "金额": "amount",
}
DATE_FIELDS = frozenset({"issued", "decided", "filed"})
NUMBER_FIELDS = frozenset({"number", "credit", "caseno", "fileno"})
#: matched on whole (folded) values
KEYWORD_FIELDS = frozenset({"form", "kind", "status", "procedure", "industry", "org", "case"})
#: matched as substrings of a short stored value
NAME_FIELDS = frozenset({"party", "handler", "title"})

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<lp>\()|(?P<rp>\))
      | (?P<quote>"(?P<qtext>[^"]*)"?)
      | (?P<word>[^\s()"]+(?:"[^"]*"?)?)
    )""",
    re.VERBOSE,
)
_QUOTES = str.maketrans({"“": '"', "”": '"', "＂": '"', "（": "(", "）": ")"})


def parse(query: str) -> Node | None:
    """Parse a query string; ``None`` for an empty query (match everything visible)."""
    # No NFKC here: records are only width-folded (analysis.fold), so a query must be too, or text
    # pasted from a record (mg/m³, ①, ㎡) would stop matching itself.
    text = query.strip()
    if not text:
        return None
    if looks_like_number(text):
        return Match("number", text, quoted=True)
    # Full-width quotes and parentheses typed by an input method act as the ASCII ones, except
    # inside numbers such as （晋临）应急罚〔2023〕12号, handled above and in _atom.
    tokens = _lex(text.translate(_QUOTES))
    parser = _Parser(tokens)
    node = parser.expr()
    if parser.pos < len(tokens):
        kind, _, at = tokens[parser.pos]
        raise QuerySyntaxError(f"查询在第 {at + 1} 个字符处有多余的“{kind}”", f"unexpected {kind!r} at {at + 1}", at)
    return node


def _lex(text: str) -> list[tuple[str, str, int]]:
    out: list[tuple[str, str, int]] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            if text[pos:].strip() == "":
                break
            raise QuerySyntaxError(f"无法解析第 {pos + 1} 个字符", f"cannot parse at {pos + 1}", pos)
        at = m.start(m.lastgroup) if m.lastgroup else pos
        if m.group("lp"):
            out.append(("(", "(", at))
        elif m.group("rp"):
            out.append((")", ")", at))
        elif m.group("quote") is not None:
            if not m.group("quote").endswith('"') or len(m.group("quote")) < 2:
                raise QuerySyntaxError("引号没有闭合", "unclosed quote", at)
            out.append(("phrase", m.group("qtext"), at))
        elif m.group("word"):
            word = m.group("word")
            if word in ("AND", "OR", "NOT", "&&", "||"):
                out.append(({"&&": "AND", "||": "OR"}.get(word, word), word, at))
            else:
                out.append(("word", word, at))
        pos = m.end()
    return out


#: parentheses, NOT and - nested deeper than this are refused (nobody types more than a few)
MAX_DEPTH = 32


class _Parser:
    def __init__(self, tokens: list[tuple[str, str, int]]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.depth = 0

    def _deeper(self, at: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QuerySyntaxError(
                f"查询嵌套过深（括号或 NOT 超过 {MAX_DEPTH} 层）",
                f"query nested deeper than {MAX_DEPTH} levels (parentheses or NOT)",
                at,
            )

    def _peek(self) -> str | None:
        return self.tokens[self.pos][0] if self.pos < len(self.tokens) else None

    def expr(self) -> Node:
        parts = [self.conj()]
        while self._peek() == "OR":
            self.pos += 1
            parts.append(self.conj())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def conj(self) -> Node:
        parts = [self.unary()]
        while self._peek() not in (None, "OR", ")"):
            if self._peek() == "AND":
                self.pos += 1
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def unary(self) -> Node:
        kind = self._peek()
        if kind == "NOT":
            self._deeper(self.tokens[self.pos][2])
            self.pos += 1
            node: Node = Not(self.unary())
            self.depth -= 1
            return node
        word = self.tokens[self.pos][1] if kind == "word" else ""
        # -烟花 excludes; -18℃ and -2 (a number, a suffix) are text
        if word.startswith("-") and len(word) > 1 and not word[1].isdigit():
            _, value, at = self.tokens[self.pos]
            self._deeper(at)
            self.tokens[self.pos] = ("word", value[1:], at + 1)
            node = Not(self.unary())
            self.depth -= 1
            return node
        return self.atom()

    def atom(self) -> Node:
        if self.pos >= len(self.tokens):
            at = self.tokens[-1][2] if self.tokens else 0
            raise QuerySyntaxError("查询不完整", "incomplete query", at)
        kind, value, at = self.tokens[self.pos]
        self.pos += 1
        if kind == "(":
            self._deeper(at)
            node = self.expr()
            if self._peek() != ")":
                raise QuerySyntaxError("括号没有闭合", "unclosed parenthesis", at)
            self.pos += 1
            self.depth -= 1
            return node
        if kind == "phrase":
            if not value.strip():
                raise QuerySyntaxError("引号内没有内容", "empty phrase", at)
            return Match("text", value, quoted=True)
        if kind == "word":
            return _word(value, at)
        raise QuerySyntaxError(f"第 {at + 1} 个字符处不应出现“{value}”", f"unexpected {value!r} at {at + 1}", at)


def _word(word: str, at: int) -> Node:
    name, sep, value = word.partition(":")
    if not sep:
        name, sep, value = word.partition("：")
    if sep and name in FIELDS:
        field = FIELDS[name]
        quoted = value.startswith('"')
        value = value.strip('"')
        if not value:
            raise QuerySyntaxError(f"字段 {name} 缺少取值", f"field {name} has no value", at)
        if field in DATE_FIELDS:
            return _date_range(field, value, at)
        if field == "amount":
            return _amount_range(value, at)
        return Match(field, value, quoted=quoted or field in NUMBER_FIELDS)
    if sep and name.isascii() and name.isalpha() and not looks_like_number(word):
        raise QuerySyntaxError(
            f"未知字段“{name}”，可用：{', '.join(sorted(set(FIELDS.values())))}",
            f"unknown field {name!r}; known: {', '.join(sorted(set(FIELDS.values())))}",
            at,
        )
    if looks_like_number(word):
        return Match("number", word, quoted=True)
    return Match("text", word)


def _date_bounds(text: str, at: int) -> tuple[dt.date, dt.date]:
    """A day, month or year as the first and last day it covers."""
    m = re.fullmatch(r"(\d{4})(?:[-/.年](\d{1,2})(?:[-/.月](\d{1,2})日?)?月?)?年?", text.strip())
    if not m:
        raise QuerySyntaxError(f"日期“{text}”应为 2023、2023-05 或 2023-05-04", f"bad date {text!r}", at)
    try:
        year = int(m.group(1))
        if m.group(3):
            day = dt.date(year, int(m.group(2)), int(m.group(3)))
            return day, day
        if m.group(2):
            month = int(m.group(2))
            first = dt.date(year, month, 1)
            last = (dt.date(year + (month == 12), month % 12 + 1, 1)) - dt.timedelta(days=1)
            return first, last
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    except ValueError as exc:
        raise QuerySyntaxError(f"日期“{text}”不存在", f"no such date {text!r}", at) from exc


def _split_range(value: str) -> tuple[str, str] | None:
    for sep in ("..", "~", "至", " TO "):
        if sep in value:
            low, _, high = value.partition(sep)
            return low.strip("[]{} "), high.strip("[]{} ")
    for op in (">=", "<=", ">", "<"):
        if value.startswith(op):
            rest = value[len(op) :]
            return (rest, "") if op.startswith(">") else ("", rest)
    return None


def _date_range(field: str, value: str, at: int) -> Range:
    parts = _split_range(value)
    if parts is None:
        low, high = _date_bounds(value, at)
        return Range(field, low, high)
    low_s, high_s = parts
    low = _date_bounds(low_s, at)[0] if low_s else None
    high = _date_bounds(high_s, at)[1] if high_s else None
    if low and high and low > high:
        raise QuerySyntaxError("日期范围的起点晚于终点", "date range starts after it ends", at)
    return Range(field, low, high)


def _amount_range(value: str, at: int) -> Range:
    parts = _split_range(value) or (value, value)

    def num(s: str) -> float | None:
        if not s:
            return None
        s = s.replace(",", "").replace("元", "")
        scale = 10_000 if s.endswith("万") else 1
        try:
            return float(s.rstrip("万")) * scale
        except ValueError as exc:
            raise QuerySyntaxError(f"金额“{s}”不是数字", f"amount {s!r} is not a number", at) from exc

    low, high = num(parts[0]), num(parts[1])
    if low is not None and high is not None and low > high:
        raise QuerySyntaxError("金额范围的下限大于上限", "amount range low > high", at)
    return Range("amount", low, high)
