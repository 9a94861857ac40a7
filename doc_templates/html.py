"""A Word file as accessible HTML to read in the page: headings, lists and tables, made the same way every time."""

from __future__ import annotations

import functools
import hashlib
import io

import mammoth
from mammoth import documents, transforms

# The page has its h1 and a heading over the document, so the document's own headings start at h3; anything else takes mammoth's defaults.
STYLE_MAP = """
p[style-name='Title'] => h3:fresh
p[style-name='Heading 1'] => h3:fresh
p[style-name='Heading 2'] => h4:fresh
p[style-name='Heading 3'] => h5:fresh
p[style-name='Heading 4'] => h6:fresh
"""
SAFE_LINKS = ("https://", "http://", "mailto:")


def _safe_link(link: documents.Hyperlink) -> documents.Element:
    # An uploaded template is not trusted to put script into the page: only web and mail links stay links.
    if link.anchor is None and not (link.href or "").strip().lower().startswith(SAFE_LINKS):
        return documents.run(children=link.children)
    return link


def _no_image(image) -> dict[str, str]:
    return {"alt": image.alt_text or "", "src": "data:,"}


@functools.lru_cache(maxsize=64)
def docx_to_html(docx: bytes) -> str:
    """The Word file's text as HTML: deterministic, so the same file always gives the same bytes (and hash)."""
    result = mammoth.convert_to_html(
        io.BytesIO(docx),
        style_map=STYLE_MAP,
        include_embedded_style_map=False,  # a file's own style map could ask for any element
        transform_document=transforms.element_of_type(documents.Hyperlink, _safe_link),
        convert_image=mammoth.images.img_element(_no_image),
    )
    return result.value


def html_sha256(html: str) -> str:
    """The fingerprint kept as evidence of the HTML shown."""
    return hashlib.sha256(html.encode("utf-8")).hexdigest()
