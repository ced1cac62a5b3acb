"""Where each document goes in the case file: the order is data (``order.yaml``), not code.

A profile lists, per kind of case file (一般程序, 简易程序, inspection-only), categories of catalogue
forms and attachment kinds; inside a category items sort by date, then 文号. Organisations can
use their own profile (provinces order their files differently).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

from ..datafile import load_rules_file
from ..errors import ArchiveError

__all__ = ["Category", "FilingRules", "OrderRules", "Placeable", "load_order", "order_items", "volume_kind"]


class OrderFileError(ArchiveError):
    code = "order_file_invalid"


class Category(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    name: str
    items: tuple[str, ...]


class FilingRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    category_code: str
    retention_codes: dict[str, str]
    fonds: dict[str, str] = {}

    def fonds_of(self, org_id: int, org_name: str) -> str:
        return self.fonds.get(org_name, f"Z{org_id:03d}")

    def file_no(self, *, org_id: int, org_name: str, year: int, retention: str, archive_no: str) -> str:
        """档号 (DA/T 22 pattern): 全宗号-门类代码·年度-保管期限代码-件号."""
        code = self.retention_codes.get(retention, retention)
        return f"{self.fonds_of(org_id, org_name)}-{self.category_code}·{year}-{code}-{archive_no[-4:]}"


class OrderRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: int
    attachment_kinds: dict[str, str]
    retention: dict[str, str]
    profiles: dict[str, dict[str, tuple[Category, ...]]]
    organisations: dict[str, str] = {}
    filing: FilingRules

    @model_validator(mode="after")
    def _consistent(self) -> OrderRules:
        if "default" not in self.profiles:
            raise ValueError("profiles must include 'default'")
        for name, kinds in self.profiles.items():
            for kind, categories in kinds.items():
                for category in categories:
                    for item in category.items:
                        if item.startswith("attachment:") and item.split(":", 1)[1] not in self.attachment_kinds:
                            raise ValueError(f"{name}/{kind}/{category.id}: unknown attachment kind {item}")
        for org, profile in self.organisations.items():
            if profile not in self.profiles:
                raise ValueError(f"organisation {org}: unknown profile {profile}")
        return self

    def categories(self, org_name: str, kind: str) -> tuple[Category, ...]:
        profile = self.profiles[self.organisations.get(org_name, "default")]
        return profile.get(kind) or self.profiles["default"][kind]


def _build(data: Any, label: str) -> OrderRules:
    try:
        return OrderRules.model_validate(data)
    except ValueError as exc:
        raise OrderFileError(f"{label} 有误：{exc}", f"{label} is invalid: {exc}", details={"file": label}) from exc


def load_order(path: Path | None = None) -> OrderRules:
    """The case-file order rules: the packaged ``order.yaml`` or ``path`` (cached by source and content)."""
    return load_rules_file(
        "anjuan.archive.casefile", "order.yaml", Path(path) if path is not None else None, OrderFileError, _build
    )


def volume_kind(case_kind: str, procedure: str) -> str:
    """Which list of the profile applies: inspection-only files, 简易程序 or 一般程序."""
    if case_kind == "inspection":
        return "inspection"
    return "simple" if procedure == "simple" else "general"


@dataclass(frozen=True)
class Placeable:
    key: str  # "document:12" | "attachment:3"
    item: str  # form id, or "attachment:<kind>"
    date: dt.date | None
    number: str | None
    parent_key: str | None = None  # a 送达回执 follows what it proves
    payload: Any = None


def order_items(items: list[Placeable], categories: tuple[Category, ...]) -> list[Placeable]:
    """Items in case-file order: by category, then date, then 文号; a 送达回执 with a parent right
    after the document it proves; anything unlisted in the last category."""
    position = {item: index for index, category in enumerate(categories) for item in category.items}
    last = len(categories)
    by_key = {i.key: i for i in items}
    followers: dict[str, list[Placeable]] = {}
    main: list[Placeable] = []
    for item in items:
        if item.item == "service_receipt" and item.parent_key in by_key:
            followers.setdefault(item.parent_key, []).append(item)
        else:
            main.append(item)

    def key(i: Placeable) -> tuple[int, dt.date, str, str]:
        return (position.get(i.item, last), i.date or dt.date.max, i.number or "", i.key)

    out: list[Placeable] = []
    for item in sorted(main, key=key):
        out.append(item)
        out.extend(sorted(followers.get(item.key, []), key=key))
    return out
