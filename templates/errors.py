"""Errors of the templates layer.

Every error carries a stable machine-readable ``code``, a Chinese and an English message and
structured ``details``; ``api`` maps them to HTTP statuses in one place::

    TemplateError
    ├── RenderError    render_failed   a template is missing or cannot be rendered
    └── ConversionError          conversion_failed      DOCX → PDF failed
        ├── ConverterUnavailable converter_unavailable  LibreOffice / python3-uno missing
        └── ConversionTimeout    conversion_timeout     a job exceeded its time limit
"""

from __future__ import annotations

from anjuan.errors import AnjuanError

__all__ = ["ConversionError", "ConversionTimeout", "ConverterUnavailable", "RenderError", "TemplateError"]


class TemplateError(AnjuanError):
    code = "template_error"


class RenderError(TemplateError):
    """A DOCX template is missing or failed to render; ``details["template"]`` names it."""

    code = "render_failed"

    @classmethod
    def missing(cls, template: str, path: str = "") -> RenderError:
        return cls(
            f"文书模板“{template}”不存在",
            f"template {template!r} not found" + (f" ({path})" if path else ""),
            details={"template": template, "reason": "missing"},
        )

    @classmethod
    def failed(cls, template: str, reason: str) -> RenderError:
        return cls(
            f"文书模板“{template}”生成失败：{reason}",
            f"template {template!r} failed to render: {reason}",
            details={"template": template, "reason": reason},
        )


# --- DOCX → PDF conversion (anjuan.templates.convert) ----------------------------------------------

_INSTALL_HINT = "apt-get install libreoffice-writer-nogui python3-uno"


class ConversionError(TemplateError):
    """A DOCX could not be converted to PDF (bad document, or LibreOffice failed twice)."""

    code = "conversion_failed"


class ConverterUnavailable(ConversionError):
    """LibreOffice (``soffice``) or a Python with ``uno`` is missing or cannot start."""

    code = "converter_unavailable"

    @classmethod
    def soffice_missing(cls, looked_for: str) -> ConverterUnavailable:
        return cls(
            f"未找到 LibreOffice（soffice：{looked_for}），无法生成 PDF；请安装 Debian 软件包"
            f" libreoffice-writer-nogui 和 python3-uno（{_INSTALL_HINT}）",
            f"LibreOffice not found (soffice: {looked_for}), PDFs cannot be produced; install the Debian"
            f" packages libreoffice-writer-nogui and python3-uno ({_INSTALL_HINT})",
            details={
                "missing": "soffice",
                "looked_for": looked_for,
                "packages": ["libreoffice-writer-nogui"],
            },
        )

    @classmethod
    def uno_missing(cls, looked_for: str) -> ConverterUnavailable:
        return cls(
            f"未找到带 uno 模块的 Python（{looked_for}），无法驱动 LibreOffice；请安装 Debian 软件包"
            f" python3-uno（{_INSTALL_HINT}）",
            f"no Python with the uno module found ({looked_for}), LibreOffice cannot be driven; install"
            f" the Debian package python3-uno ({_INSTALL_HINT})",
            details={"missing": "uno", "looked_for": looked_for, "packages": ["python3-uno"]},
        )


class ConversionTimeout(ConversionError):
    """A conversion exceeded its time limit (the LibreOffice instance was killed and restarted)."""

    code = "conversion_timeout"
