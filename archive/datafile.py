"""Reading the rule data files (catalogue, gates, deadlines …): the packaged copy or an override."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .errors import ArchiveError

__all__ = ["read_yaml"]


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
