"""卷宗: the order of a case file (data), assembly, and — later — review and filing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .assembly import Plan, plan_volume
from .order import Category, OrderRules, Placeable, load_order, order_items, volume_kind

if TYPE_CHECKING:
    from anjuan.templates.volume.check import VolumeCheck

__all__ = [
    "Category",
    "OrderRules",
    "Placeable",
    "Plan",
    "check_volume",
    "load_order",
    "order_items",
    "plan_volume",
    "volume_kind",
]


def check_volume(pdf: bytes) -> VolumeCheck:
    """The checks of any volume PDF, as a reviewer makes them (no database: ``casefile check``)."""
    from anjuan.templates.volume import check_volume as check  # pikepdf: on use

    return check(pdf)
