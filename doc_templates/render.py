"""Fill a .docx template with plain values, safely: sandboxed, autoescaped, never blank."""

from __future__ import annotations

import functools
import gc
import io
import itertools
import pathlib
import re
import threading
from contextlib import contextmanager

from docx.opc.constants import CONTENT_TYPE
from docx.opc.part import Part, PartFactory
from docxtpl import DocxTemplate
from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

# XML 1.0 allows tab, newline and carriage return, but no other C0 control characters, nor
# U+FFFE/U+FFFF, nor surrogates (which can only arrive unpaired in a Python str).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


# Each render leaves a few hundred objects in reference cycles (python-docx's package and its parts, jinja2's
# templates and their namespaces) that hold every XML tree of the document in libxml2's memory, which the cycle
# collector does not count: on its own schedule it frees them too seldom and a long-running process only grows.
# A full collection every few renders keeps it flat, for about a millisecond a render.
COLLECT_EVERY = 20
_renders = itertools.count(1)


def _collect_now_and_then() -> None:
    if next(_renders) % COLLECT_EVERY == 0:
        gc.collect()


# What docxtpl makes of a template's XML before rendering it — the XML tidied so that Jinja can read it, and that
# compiled — depends only on the XML, yet docxtpl would redo both on every render (two-fifths of a render's time).
# Both are kept here, keyed by the XML itself, so an uploaded version or a changed file is never mistaken for
# another; each render still opens the template file afresh and fills in its own copy. Bounded: every part of
# every template in use (bodies, headers, footers, properties) with room to spare.
TEMPLATES_KEPT = 256


class _Environment(SandboxedEnvironment):
    """The sandboxed, autoescaping, strict environment every render uses, compiling each distinct source once."""

    def __init__(self) -> None:
        super().__init__(undefined=StrictUndefined, autoescape=True)
        self._compiled = functools.lru_cache(maxsize=TEMPLATES_KEPT)(self._compile_source)

    def _compile_source(self, source: str):
        return super().from_string(source)

    def from_string(self, source, globals=None, template_class=None):
        # A compiled template holds no render's values (each render has its own context), so sharing one is safe;
        # only what docxtpl asks for (plain source, autoescaped, nothing extra) is kept.
        if isinstance(source, str) and globals is None and template_class is None and self.autoescape is True:
            return self._compiled(source)
        return super().from_string(source, globals, template_class)


_ENVIRONMENT = _Environment()


@functools.lru_cache(maxsize=TEMPLATES_KEPT)
def _tidied(src_xml: str) -> str:
    return DocxTemplate.patch_xml(None, src_xml)  # docxtpl's own tidying, which uses nothing of the template


class _Template(DocxTemplate):
    """docxtpl's template, tidying each distinct XML part for Jinja once."""

    def patch_xml(self, src_xml: str) -> str:
        return _tidied(src_xml)


# A render fills in the body, headers, footers and properties; the styles, theme, fonts, numbering and settings go
# into the new file exactly as they are in the template. python-docx would parse each of them into an XML tree and
# write it out again unchanged — the styles alone are most of a template's 800 KB of XML, and half a render's time.
# While this module opens a template, those parts are kept as the bytes they are (the rendered file is the same,
# byte for byte); anywhere else, and in any other thread, python-docx reads them as it always does.
AS_THEY_ARE = frozenset({CONTENT_TYPE.WML_STYLES, CONTENT_TYPE.OFC_THEME, CONTENT_TYPE.WML_FONT_TABLE,
                         CONTENT_TYPE.WML_WEB_SETTINGS, CONTENT_TYPE.WML_NUMBERING, CONTENT_TYPE.WML_SETTINGS})
_opening = threading.local()
_selector_before = PartFactory.part_class_selector


def _part_class(content_type: str, reltype: str):
    if getattr(_opening, "active", False) and content_type in AS_THEY_ARE:
        return Part
    return _selector_before(content_type, reltype) if _selector_before is not None else None


PartFactory.part_class_selector = _part_class


@contextmanager
def _parts_as_they_are():
    _opening.active = True
    try:
        yield
    finally:
        _opening.active = False


def clean_text(value: str) -> str:
    """Remove characters that cannot appear in an XML document."""
    return _XML_ILLEGAL.sub("", value)


def _opened(source: pathlib.Path | bytes) -> DocxTemplate:
    # A shipped template is a file in its pack; an uploaded version comes from the blob store as bytes.
    return _Template(io.BytesIO(source) if isinstance(source, bytes) else str(source))


def render_docx(docx_path: pathlib.Path | bytes, context: dict) -> bytes:
    """Render a .docx template (a path, or its bytes) with the given context and return the document's bytes."""
    template = _opened(docx_path)
    # docxtpl turns every "\n" left in a rendered text run into <w:br/>, after escaping, so a
    # plain string keeps its line breaks; "\r" would survive as a stray character instead.
    with _parts_as_they_are():
        template.render(_cleaned(context), _ENVIRONMENT, autoescape=True)
    out = io.BytesIO()
    template.save(out)
    del template
    _collect_now_and_then()
    return out.getvalue()


def template_variables(docx_path: pathlib.Path | bytes) -> set[str]:
    """Names a .docx template (a path, or its bytes) refers to, in its body, headers and footers."""
    with _parts_as_they_are():
        names = set(_opened(docx_path).get_undeclared_template_variables(SandboxedEnvironment()))
    _collect_now_and_then()
    return names


def _cleaned(value):
    if isinstance(value, str):
        return clean_text(value).replace("\r\n", "\n").replace("\r", "\n")
    if isinstance(value, dict):
        return {key: _cleaned(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_cleaned(item) for item in value]
    return value
