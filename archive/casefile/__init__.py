"""卷宗: the order of a case file (data), assembly, and — later — review and filing."""

from .assembly import Plan, plan_volume
from .order import Category, OrderRules, Placeable, load_order, order_items, volume_kind

__all__ = ["Category", "OrderRules", "Placeable", "Plan", "load_order", "order_items", "plan_volume", "volume_kind"]
