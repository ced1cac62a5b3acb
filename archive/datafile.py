"""Reading the rule data files (catalogue, gates, deadlines …): the packaged copy or an override.

Rule files are read often (every ``Archive`` loads the catalogue, clauses, gates, deadlines …) and
change rarely, so :func:`load_rules_file` keeps each *validated* result per source and content: a
second load of an unchanged file costs one read and one SHA-256, an edited file is parsed again,
and two archives with the same files share the same (read-only) rule objects. Parsing uses
libyaml's C loader where it is available (about ten times faster than the pure-Python one).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from .errors import ArchiveError

__all__ = ["clear_rules_cache", "describe_loc", "load_rules_file", "read_yaml", "validate"]

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_CACHE_SIZE = 64  # distinct (file, content, context) results kept; far more than one process uses
_cache: OrderedDict[Hashable, tuple[Any, object]] = OrderedDict()
_cache_lock = threading.Lock()


def _read_text(package: str, filename: str, path: Path | None, error: type[ArchiveError]) -> tuple[str, str]:
    if path is None:
        source: Any = resources.files(package).joinpath(filename)
        label = f"{package}/{filename}"
    else:
        source, label = Path(path), str(path)
    try:
        return source.read_text(encoding="utf-8"), label
    except OSError as exc:
        raise error(f"无法读取文件 {label}：{exc}", f"cannot read {label}: {exc}", details={"file": label}) from exc


def _parse(text: str, label: str, error: type[ArchiveError]) -> Any:
    try:
        return yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        raise error(
            f"{label} 不是有效的 YAML：{exc}", f"{label} is not valid YAML: {exc}", details={"file": label}
        ) from exc


def read_yaml(package: str, filename: str, path: Path | None, error: type[ArchiveError]) -> tuple[Any, str]:
    """The parsed YAML and a label naming its source (for error messages); problems raise ``error``."""
    text, label = _read_text(package, filename, path, error)
    return _parse(text, label, error), label


def load_rules_file(
    package: str,
    filename: str,
    path: Path | None,
    error: type[ArchiveError],
    build: Callable[..., T],
    *,
    context: object = None,
) -> T:
    """``build(parsed YAML, label)`` — or ``build(parsed YAML, label, context)`` when a ``context``
    is given — for the packaged file or the override ``path``, cached by source, content and
    ``context`` (an object the result is checked against, such as the catalogue that gates must
    agree with; the cache holds it, so its identity stays valid).

    One file has one ``build`` (the loader of its kind). The result is shared: treat it as
    read-only. Invalid files are never cached (each load raises again)."""
    text, label = _read_text(package, filename, path, error)
    key = (package, filename, label, hashlib.sha256(text.encode("utf-8")).hexdigest(), id(context))
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit[0]  # type: ignore[no-any-return]
    data = _parse(text, label, error)
    value = build(data, label) if context is None else build(data, label, context)
    with _cache_lock:
        _cache[key] = (value, context)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return value


def clear_rules_cache() -> None:
    """Forget every cached rule file (tests that measure loading; never needed for correctness)."""
    with _cache_lock:
        _cache.clear()


def describe_loc(loc: tuple[Any, ...], data: Any, keys: tuple[str, ...] = ("id", "name"), root: str = "") -> str:
    """A validation error's place as the author sees it: ``rules.3.offset`` →
    ``rules[decision_service].offset`` (list items named by the first of ``keys`` they have)."""
    parts: list[str] = []
    node = data
    for item in loc:
        if isinstance(item, int) and isinstance(node, list) and 0 <= item < len(node):
            node = node[item]
            ident = next((node.get(k) for k in keys if node.get(k)), None) if isinstance(node, dict) else None
            tag = f"[{ident or item}]"
            if parts:
                parts[-1] += tag
            else:
                parts.append(tag)
            continue
        node = node.get(item) if isinstance(node, dict) else None
        parts.append(str(item))
    return ".".join(parts) or root


def validate(
    model: type[M], data: Any, label: str, error: type[ArchiveError], keys: tuple[str, ...] = ("id", "name")
) -> M:
    """``model`` from parsed YAML; every problem (unknown keys included) in one ``error``."""
    if not isinstance(data, dict):
        raise error(f"{label} 校验失败：顶层必须是映射", f"{label} is invalid: the top level must be a mapping")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            msg = "unknown key (not in the schema)" if err["type"] == "extra_forbidden" else err["msg"]
            problems.append({"where": describe_loc(tuple(err["loc"]), data, keys), "message": msg})
        text = "; ".join(f"{p['where']}: {p['message']}" for p in problems)
        raise error(
            f"{label} 校验失败：{text}", f"{label} is invalid: {text}", details={"file": label, "errors": problems}
        ) from None
