"""Chinese text analysis for the index: folding, jieba words, character bigrams, number keys.

Three views of one text, each with its own job:

- **words** (jieba + the domain dictionary): what ranking is computed on. ``有限空间`` and
  ``粉尘涉爆`` stay one word because the dictionary says so.
- **bigrams** of the folded text with whitespace removed, positioned by character: what *matching*
  is computed on, so that any substring of two or more characters finds its documents whatever
  jieba made of it, and a quoted phrase is exactly a substring (agreeing with a plain scan).
- **number keys** for 文号, 统一社会信用代码, 案号 and 档号: exact-match terms, with every bracket
  style folded to one, so ``应急罚〔2023〕12号``, ``应急罚[2023]12号`` and ``（晋临）应急罚〔2023〕12号``
  find the same document.

Folding (:func:`fold`) keeps the text's length, so offsets found in folded text are offsets in the
original, which is what highlighting needs.

Every step is linear in the text's length, whatever the text (issue 17: one 10,000-letter word used
to take minutes, inside the index lock when it came in an attachment). jieba sees at most
:data:`CHUNK_CHARS` characters at once, a word longer than :data:`MAX_WORD_CHARS` is not a word
(hex dumps, base64, a held-down key: the bigram view still matches every substring of it), and the
search-mode parts of a word are only looked up up to the dictionary's longest word.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from functools import cache
from importlib import resources

__all__ = [
    "CHUNK_CHARS",
    "MAX_WORD_CHARS",
    "Analyzer",
    "bigrams",
    "fold",
    "looks_like_number",
    "number_keys",
    "squeeze",
]

# Full-width ASCII (U+FF01–FF5E) → ASCII and the ideographic space → space. NFKC would do this
# too but can change a string's length (e.g. ㈱ → (株)); this table never does.
# The bracket families of 文号 (〔〕【】［］﹝﹞〖〗) fold to [ ], so a number typed with any of them
# matches as a substring too.
_FOLD = (
    {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
    | {0x3000: 0x20}
    | {ord(c): ord("[") for c in "〔【﹝〖"}
    | {ord(c): ord("]") for c in "〕】﹞〗"}
)
_WS = re.compile(r"\s+")


def fold(text: str) -> str:
    """Fold width, case and bracket style without changing the length: ``ＡＢＣ１２３〔〕`` → ``abc123[]``."""
    folded = text.translate(_FOLD)
    lowered = folded.lower()
    # str.lower() lengthens a handful of characters (İ → i̇); keep those as they are.
    return lowered if len(lowered) == len(folded) else "".join(c if len(c.lower()) != 1 else c.lower() for c in folded)


def squeeze(text: str) -> str:
    """The matching form of a text: folded, whitespace removed (PDF text breaks lines anywhere)."""
    return _WS.sub("", fold(text))


def bigrams(squeezed: str) -> Iterator[tuple[str, int]]:
    """(bigram, position) over a squeezed text. A text of one character yields that character, so
    single-character records still match something; the last character of every text also yields
    itself, which lets a single-character query find a character that only ends a text."""
    n = len(squeezed)
    for i in range(n - 1):
        yield squeezed[i : i + 2], i
    if n:
        yield squeezed[-1], n - 1


# ── numbers: 文号, 统一社会信用代码, 案号, 档号 ────────────────────────────────────────────────────

_OPEN = "〔【［[﹝〖"
_CLOSE = "〕】］]﹞〗"
_NUMBER_FOLD = str.maketrans({**dict.fromkeys(_OPEN, "["), **dict.fromkeys(_CLOSE, "]"), "（": "(", "）": ")"})
_PREFIX = re.compile(r"^\([^()]{1,12}\)")
# 〔2023〕12号 in any bracket style, a credit code, or a 档号 such as ZF·2023-Y-0012 / ZF-2023-…
_NUMBERISH = re.compile(
    r"^[^\s:：]*[\[〔【［(（]\s*(19|20)\d\d\s*[\]〕】］)）]\s*\d+(-\d+)?\s*号?(-\d+)?$"
    r"|^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$"
    r"|^[A-Za-z0-9]{1,8}-[A-Za-z]{1,4}[·.](19|20)\d\d-[A-Za-z0-9]{1,4}-\d{1,6}$",  # 档号 (DA/T 22)
    re.IGNORECASE,
)


def number_keys(number: str) -> list[str]:
    """Exact-match keys of a number: the folded whole, and without its 〔area〕 prefix."""
    if not number or not number.strip():
        return []
    key = squeeze(number).translate(_NUMBER_FOLD).replace("·", ".")
    keys = [key]
    short = _PREFIX.sub("", key)
    if short and short != key:
        keys.append(short)
    return keys


def looks_like_number(query: str) -> bool:
    """Whether a query string is a 文号, credit code or 档号 (then it is matched exactly)."""
    return bool(_NUMBERISH.match(query.strip()))


# ── words ──────────────────────────────────────────────────────────────────────────────────────

_CLAUSE = re.compile(r"[^，。；：！？、,.;:!?\n\r\t （）()《》“”\"'\[\]【】〔〕]+")
_WORDISH = re.compile(r"[0-9a-z\u3400-\u9fff]")

#: the longest word kept for ranking; the longest real term (a credit code, a 档号, a dictionary
#: word such as 特种作业人员安全技术培训考核管理规定) is 18–25 characters
MAX_WORD_CHARS = 32
#: jieba cuts at most this many characters at once. A clause is rarely longer than a sentence;
#: a longer unbroken run is cut into pieces so that the per-clause memo stays small and no
#: single jieba call grows with the input.
CHUNK_CHARS = 256
# A run of Latin letters and digits too long to be a word. One character class and a counted
# repeat: the regex engine scans it once, there is nothing to backtrack into.
_LONG_RUN = re.compile(rf"[0-9a-z]{{{MAX_WORD_CHARS + 1},}}")


def _pieces(clause: str) -> Iterator[str]:
    """A clause as jieba should see it: unchanged when short (the common case, so the tokens are
    exactly jieba's); otherwise without its over-long Latin runs (they make no word: jieba keeps a
    Latin run whole, so removing it changes nothing around it) and cut every CHUNK_CHARS characters."""
    if len(clause) <= CHUNK_CHARS:
        yield clause
        return
    for part in _LONG_RUN.split(clause):
        for start in range(0, len(part), CHUNK_CHARS):
            yield part[start : start + CHUNK_CHARS]


_jieba_lock = threading.Lock()
_SHARED: dict[tuple[str, ...], Analyzer] = {}


@cache
def _default_dictionary() -> str:
    return resources.files("anjuan.indexing").joinpath("dictionary.txt").read_text(encoding="utf-8")


class Analyzer:
    """jieba with the domain dictionary, memoised per clause.

    Enforcement documents are mostly fixed wording (法定条款, the form's printed text), so the same
    clauses recur across thousands of records; remembering each clause's words makes re-analysis
    nearly free without changing a single token. One instance per process; thread-safe.
    """

    def __init__(self, extra_words: Iterable[str] = (), memo_size: int = 200_000) -> None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        self._jieba = jieba.Tokenizer()
        self._extra = tuple(sorted({w.strip() for w in extra_words if w and w.strip()}))
        self._memo: dict[str, tuple[str, ...]] = {}
        self._memo_size = memo_size
        self._longest = 0  # the dictionary's longest word: no longer part can be in it
        self._ready = False
        self.hits = 0
        self.misses = 0

    @classmethod
    def shared(cls, extra_words: Iterable[str] = ()) -> Analyzer:
        """One analyzer per process and word list: loading jieba's dictionary takes a second."""
        key = tuple(sorted({w.strip() for w in extra_words if w and w.strip()}))
        with _jieba_lock:
            found = _SHARED.get(key)
            if found is None:
                found = _SHARED[key] = cls(key)
        return found

    def _init(self) -> None:
        with _jieba_lock:
            if self._ready:
                return
            self._jieba.initialize()
            for line in _default_dictionary().splitlines():
                line = line.strip()
                if line and not line.startswith("#"):
                    word, _, freq = line.partition(" ")
                    self._jieba.add_word(fold(word), int(freq) if freq.strip().isdigit() else 2000)
            for word in self._extra:
                self._jieba.add_word(fold(word), 2000)
            self._longest = max((len(w) for w, f in self._jieba.FREQ.items() if f), default=1)
            self._ready = True

    def clause_words(self, clause: str) -> tuple[str, ...]:
        words = self._memo.get(clause)
        if words is not None:
            self.hits += 1
            return words
        if not self._ready:
            self._init()
        self.misses += 1
        # Search mode: a long dictionary word also yields its parts (有限空间作业 → 有限空间, 作业),
        # so a query for the part ranks the documents that only contain the whole.
        words = tuple(w for w in self._search_mode(clause) if 1 < len(w) <= MAX_WORD_CHARS and _WORDISH.search(w))
        if len(self._memo) >= self._memo_size:
            self._memo.clear()  # crude but bounded; the boilerplate comes straight back
        self._memo[clause] = words
        return words

    def _search_mode(self, clause: str) -> Iterator[str]:
        # jieba's own cut_for_search only looks at 2- and 3-character parts. Parts longer than the
        # dictionary's longest word cannot be in it: bounding the size keeps this linear in the
        # word's length (all parts of an n-letter word are n²/2 strings of up to n characters).
        freq = self._jieba.FREQ
        for word in self._jieba.cut(clause, HMM=True):
            n = len(word)
            if n > 2:
                for size in range(2, min(n, self._longest + 1)):
                    for i in range(n - size + 1):
                        part = word[i : i + size]
                        if freq.get(part):
                            yield part
            yield word

    def words(self, text: str) -> list[str]:
        """The text's words in order (folded; punctuation and single characters
        dropped: the bigram view covers those)."""
        out: list[str] = []
        for clause in _CLAUSE.findall(fold(text)):
            for piece in _pieces(clause):
                out.extend(self.clause_words(piece))
        return out

    def word_counts(self, text: str) -> Counter[str]:
        return Counter(self.words(text))
