"""DOCX → PDF conversion with LibreOffice.

Use :class:`UnoPool` (a warm pool of LibreOffice instances driven over UNO) in the service,
:class:`ColdSofficeConverter` for one-off runs, :class:`FakeConverter` in unit tests that do not
care about the rendition. All satisfy :class:`Converter`::

    from anjuan.templates.convert import UnoPool

    with UnoPool() as pool:  # starts 2 instances, waits until they are warm
        pdf = pool.convert(docx_bytes)
        archival = pool.convert(docx_bytes, pdfa=True)  # PDF/A-2b
"""

from ..errors import ConversionError, ConversionTimeout, ConverterUnavailable
from .api import Converter, ConverterBase, ConverterOptions, check_docx, find_soffice, find_uno_python
from .cold import ColdSofficeConverter
from .fake import FAKE_BANNER, FakeCall, FakeConverter, docx_text
from .fonts import DEFAULT_FONTCONFIG_FILE, office_env
from .pool import InstanceInfo, UnoPool

__all__ = [
    "DEFAULT_FONTCONFIG_FILE",
    "FAKE_BANNER",
    "ColdSofficeConverter",
    "ConversionError",
    "ConversionTimeout",
    "Converter",
    "ConverterBase",
    "ConverterOptions",
    "ConverterUnavailable",
    "FakeCall",
    "FakeConverter",
    "InstanceInfo",
    "UnoPool",
    "check_docx",
    "docx_text",
    "find_soffice",
    "find_uno_python",
    "office_env",
]
