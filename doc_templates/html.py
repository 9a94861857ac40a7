"""A Word file as accessible HTML to read in the page: headings, lists and tables, made the same way every time."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile

import mammoth
from lxml import etree
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


# mammoth reads a style only to learn the name of one a paragraph, run, table or list refers to by its id, but it
# parses the whole styles part first, with minidom — a council's Word template carries hundreds of styles (350 KB),
# most of a conversion's time. It is given a copy of the file whose styles part keeps only the styles anything in
# the file refers to: the HTML is the same, byte for byte (tests/test_document_in_page.py compares every template).
_REFERENCE = re.compile(rb'\bval="([^"]*)"')
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _referenced_styles_only(docx: bytes) -> io.BytesIO:
    source = zipfile.ZipFile(io.BytesIO(docx))
    names = source.namelist()
    styles = [name for name in names if name.lower().endswith(("styles.xml", "styleswitheffects.xml"))]
    referenced = {value for name in names if name.lower().endswith(".xml") and name not in styles
                  for value in _REFERENCE.findall(source.read(name))}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as slim:
        for info in source.infolist():
            data = source.read(info)
            if info.filename in styles:
                data = _keep_styles(data, referenced)
            slim.writestr(info.filename, data)
    out.seek(0)
    return out


def _keep_styles(data: bytes, referenced: set[bytes]) -> bytes:
    try:
        root = etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return data  # mammoth reports it as it would have
    if root.tag != f"{{{_W}}}styles":
        return data
    for style in root.findall(f"{{{_W}}}style"):
        if (style.get(f"{{{_W}}}styleId") or "").encode() not in referenced:
            root.remove(style)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def docx_to_html(docx: bytes) -> str:
    """The Word file's text as HTML: deterministic, so the same file always gives the same bytes (and hash)."""
    return _convert(_referenced_styles_only(docx))


def _convert(docx: io.BytesIO) -> str:
    result = mammoth.convert_to_html(
        docx,
        style_map=STYLE_MAP,
        include_embedded_style_map=False,  # a file's own style map could ask for any element
        transform_document=transforms.element_of_type(documents.Hyperlink, _safe_link),
        convert_image=mammoth.images.img_element(_no_image),
    )
    return result.value


def html_sha256(html: str) -> str:
    """The fingerprint kept as evidence of the HTML shown."""
    return hashlib.sha256(html.encode("utf-8")).hexdigest()
