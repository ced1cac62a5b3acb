"""归档信息包: BagIt export of a filed case, 四性检测 (DA/T 70) of any package, 移交/接收 import."""

from .export import export_package
from .fourness import FournessItem, FournessReport, load_checks, verify_package
from .importer import ImportResult, import_package

__all__ = [
    "FournessItem",
    "FournessReport",
    "ImportResult",
    "export_package",
    "import_package",
    "load_checks",
    "verify_package",
]
