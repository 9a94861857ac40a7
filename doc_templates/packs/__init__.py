"""Template packs, one folder per organisation."""

from doc_templates.packs.havering.agreement import SCHEMA as HAVERING_AGREEMENT

SCHEMAS = (HAVERING_AGREEMENT,)
