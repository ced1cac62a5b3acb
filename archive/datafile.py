"""Reading the rule data files (catalogue, gates, deadlines …): the packaged copy or an override."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from .errors import ArchiveError

__all__ = ["describe_loc", "read_yaml", "validate"]

M = TypeVar("M", bound=BaseModel)


def read_yaml(package: str, filename: str, path: Path | None, error: type[ArchiveError]) -> tuple[Any, str]:
    """The parsed YAML and a label naming its source (for error messages); problems raise ``error``."""
    if path is None:
        source: Any = resources.files(package).joinpath(filename)
        label = f"{package}/{filename}"
    else:
        source, label = Path(path), str(path)
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as exc:
        raise error(f"无法读取文件 {label}：{exc}", f"cannot read {label}: {exc}", details={"file": label}) from exc
    try:
        return yaml.safe_load(text), label
    except yaml.YAMLError as exc:
        raise error(
            f"{label} 不是有效的 YAML：{exc}", f"{label} is not valid YAML: {exc}", details={"file": label}
        ) from exc


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
