"""Benchmark: the cost per 1,000 characters of pathological search input, naive and bounded.

    python -m bench.bench_analysis [--sizes 1,4,16,64] [--budget 20]

Issue 17: a 2,000-letter query word took 3.8 s, 4,000 letters 28 s, 10,000 no answer in 300 s,
and the same analyser indexes attachment text inside the index lock. Each input shape is analysed
at 1, 4, 16 and 64 thousand characters by the analyser as it was (the naive baseline, kept here:
every substring of a word looked up in the dictionary, whole clauses to jieba) and as it is; the
cost is given per 1,000 characters, so a linear analyser shows the same number at every size and a
super-linear one a growing number. Highlighting (the snippet of a hit) is measured the same way:
the regex with ``\\s*`` between the characters of the query (the baseline) against ``str.find`` in
the squeezed text. The naive path stops at the first size whose projection exceeds the budget.
"""

from __future__ import annotations

import argparse
import random
import re
import string
import time
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["rows", "run"]


def _shapes(rnd: random.Random) -> dict[str, Callable[[int], str]]:
    return {
        "one long word (letters)": lambda n: "".join(rnd.choices(string.ascii_lowercase, k=n)),
        "long digit run": lambda n: "".join(rnd.choices(string.digits, k=n)),
        "repeated brackets 〔2023〕": lambda n: ("应急罚〔2023〕" * (n // 10 + 1))[:n],
        "Han run, no punctuation": lambda n: "".join(chr(rnd.randint(0x4E00, 0x9FA5)) for _ in range(n)),
    }


def _naive_analyzer() -> Any:
    from anjuan.indexing.analysis import _CLAUSE, _WORDISH, Analyzer, fold

    class NaiveAnalyzer(Analyzer):
        """The analyser before issue 17: whole clauses to jieba, every part of a word looked up."""

        def clause_words(self, clause: str) -> tuple[str, ...]:
            if not self._ready:
                self._init()
            return tuple(w for w in self._search_mode(clause) if len(w) > 1 and _WORDISH.search(w))

        def _search_mode(self, clause: str) -> Iterator[str]:
            freq = self._jieba.FREQ
            for word in self._jieba.cut(clause, HMM=True):
                n = len(word)
                if n > 2:
                    for size in range(2, n):
                        for i in range(n - size + 1):
                            part = word[i : i + size]
                            if freq.get(part):
                                yield part
                yield word

        def words(self, text: str) -> list[str]:
            out: list[str] = []
            for clause in _CLAUSE.findall(fold(text)):
                out.extend(self.clause_words(clause))
            return out

    return NaiveAnalyzer()


def _naive_snippet(text: str, literal: str) -> None:
    from anjuan.indexing.analysis import fold

    pattern = re.compile(r"\s*".join(re.escape(c) for c in literal))
    list(pattern.finditer(fold(text)))


def _per_k(fn: Callable[[str], Any], text: str) -> float:
    started = time.perf_counter()
    fn(text)
    return (time.perf_counter() - started) * 1000 / (len(text) / 1000)


def _series(
    fn: Callable[[str], Any], make: Callable[[int], str], sizes: tuple[int, ...], budget: float
) -> list[float | None]:
    """ms per 1,000 characters at each size; None where the projected run exceeds ``budget`` s
    (the previous size's cost × 16: quadratic growth over a 4× step)."""
    out: list[float | None] = []
    for k in sizes:
        previous = next((c for c in reversed(out) if c is not None), None)
        if (out and out[-1] is None) or (previous is not None and previous * k * 16 / 1000 > budget):
            out.append(None)
            continue
        out.append(_per_k(fn, make(k * 1000)))
    return out


def run(sizes_kb: tuple[int, ...] = (1, 4, 16, 64), naive_budget_s: float = 30.0, seed: int = 17) -> dict[str, Any]:
    from anjuan.indexing.analysis import Analyzer, squeeze
    from anjuan.indexing.whoosh_backend import _snippet

    rnd = random.Random(seed)
    naive, bounded = _naive_analyzer(), Analyzer(memo_size=10)  # no memo hits: every input is new
    naive.words("预热")
    bounded.words("预热")
    result: dict[str, Any] = {"sizes": sizes_kb, "analysis": {}, "snippet": {}}
    for name, make in _shapes(rnd).items():
        result["analysis"][name] = {
            "naive": _series(naive.words, make, sizes_kb, naive_budget_s),
            "now": _series(bounded.words, make, sizes_kb, float("inf")),
        }
    # Highlighting a 200-character query in a hit's text of n characters that almost matches everywhere.
    literal = "a" * 199 + "b"

    def repetitive(n: int) -> str:
        return "a" * n + "b"

    result["snippet"] = {
        "naive": _series(lambda t: _naive_snippet(t, literal), repetitive, sizes_kb, naive_budget_s),
        "now": _series(lambda t: _snippet(t, [squeeze(literal)]), repetitive, sizes_kb, float("inf")),
    }
    return result


def _cells(series: list[float | None]) -> str:
    return " / ".join("—" if v is None else f"{v:.2f}" for v in series)


def rows(result: dict[str, Any]) -> list[tuple[str, str, str]]:
    sizes = "/".join(f"{k}k" for k in result["sizes"])
    out: list[tuple[str, str, str]] = []
    for name, series in result["analysis"].items():
        out.append((f"analyse {name}, {sizes} chars: naive (baseline)", _cells(series["naive"]), "ms per 1k chars"))
        out.append((f"analyse {name}, {sizes} chars: bounded", _cells(series["now"]), "ms per 1k chars"))
    out.append(
        (
            f"highlight 200-char query in {sizes} chars: regex (baseline)",
            _cells(result["snippet"]["naive"]),
            "ms per 1k chars",
        )
    )
    out.append(
        (f"highlight 200-char query in {sizes} chars: str.find", _cells(result["snippet"]["now"]), "ms per 1k chars")
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_analysis")
    parser.add_argument("--sizes", default="1,4,16,64", help="thousands of characters")
    parser.add_argument("--budget", type=float, default=30.0, help="seconds the naive path may take per measurement")
    args = parser.parse_args()
    result = run(tuple(int(s) for s in args.sizes.split(",")), args.budget)
    for name, cost, unit in rows(result):
        print(f"{name:<72} {cost:<40} {unit}")


if __name__ == "__main__":
    main()
