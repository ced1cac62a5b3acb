"""Numbering profiles (numbering.yaml): how the catalogue's per-form rules are applied."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from ..catalogue.model import FormSpec, NumberRule

__all__ = ["NumberingProfile", "load_profiles"]


class NumberingProfile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str
    mode: Literal["catalogue", "per_family"]
    overrides: dict[str, NumberRule] = Field(default_factory=dict)

    def rule_for(self, form: FormSpec) -> NumberRule | None:
        if not form.numbered or form.number is None:
            return None
        if form.id in self.overrides:
            return self.overrides[form.id]
        if self.mode == "per_family":
            # Each 文书代字 counts on its own (forms sharing a code, e.g. 当场处罚 单位/个人, share it).
            return NumberRule(source="counter", counter=f"code:{form.code}")
        return form.number


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int
    profiles: dict[str, NumberingProfile]


@cache
def _packaged() -> dict[str, NumberingProfile]:
    text = (resources.files("anjuan.archive.numbering") / "numbering.yaml").read_text("utf-8")
    return _File.model_validate(yaml.safe_load(text)).profiles


def load_profiles(path: Path | None = None) -> dict[str, NumberingProfile]:
    if path is None:
        return _packaged()
    return _File.model_validate(yaml.safe_load(Path(path).read_text("utf-8"))).profiles
