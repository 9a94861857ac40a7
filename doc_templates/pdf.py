"""Word to PDF/A: the one entry point, on the warm LibreOffice pool, or a cold soffice where the pool cannot run."""

from __future__ import annotations

from collections.abc import Callable

from doc_templates import pool
from doc_templates.libreoffice import ConversionError, check_is_docx, cold_docx_to_pdf

Converter = Callable[[bytes, float], bytes]


def _libreoffice(docx: bytes, timeout: float) -> bytes:
    warm = pool.get()
    return warm.convert(docx, timeout) if warm is not None else cold_docx_to_pdf(docx, timeout=timeout, checked=True)


_converter: list[Converter] = [_libreoffice]


def docx_to_pdf(docx: bytes, *, timeout: float = 120) -> bytes:
    """Convert a Word document to PDF/A-2b; ConversionError says what to check when it cannot."""
    check_is_docx(docx)
    pdf = _converter[0](docx, timeout)
    if not pdf.startswith(b"%PDF-"):
        raise ConversionError("LibreOffice returned something that is not a PDF; check the LibreOffice installation "
                              "(soffice --version).")
    return pdf


def use_converter(converter: Converter | None) -> None:
    """Convert with something other than LibreOffice (None: LibreOffice again); for tests of everything but conversion."""
    _converter[0] = converter or _libreoffice
