"""Fill a .docx template with plain values, safely: sandboxed, autoescaped, never blank."""

from __future__ import annotations

import gc
import io
import itertools
import pathlib
import re

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


def clean_text(value: str) -> str:
    """Remove characters that cannot appear in an XML document."""
    return _XML_ILLEGAL.sub("", value)


def _opened(source: pathlib.Path | bytes) -> DocxTemplate:
    # A shipped template is a file in its pack; an uploaded version comes from the blob store as bytes.
    return DocxTemplate(io.BytesIO(source) if isinstance(source, bytes) else str(source))


def render_docx(docx_path: pathlib.Path | bytes, context: dict) -> bytes:
    """Render a .docx template (a path, or its bytes) with the given context and return the document's bytes."""
    template = _opened(docx_path)
    env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=True)
    # docxtpl turns every "\n" left in a rendered text run into <w:br/>, after escaping, so a
    # plain string keeps its line breaks; "\r" would survive as a stray character instead.
    template.render(_cleaned(context), env, autoescape=True)
    out = io.BytesIO()
    template.save(out)
    del template
    _collect_now_and_then()
    return out.getvalue()


def template_variables(docx_path: pathlib.Path | bytes) -> set[str]:
    """Names a .docx template (a path, or its bytes) refers to, in its body, headers and footers."""
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
