"""Template packs, one folder per organisation."""

from doc_templates.packs.barking_dagenham.agreement import SCHEMA as BARKING_DAGENHAM_AGREEMENT
from doc_templates.packs.barking_dagenham.record import SCHEMA as BARKING_DAGENHAM_RECORD
from doc_templates.packs.havering.agreement import SCHEMA as HAVERING_AGREEMENT
from doc_templates.packs.havering.record import SCHEMA as HAVERING_RECORD

SCHEMAS = (HAVERING_AGREEMENT, HAVERING_RECORD, BARKING_DAGENHAM_AGREEMENT, BARKING_DAGENHAM_RECORD)
# Which template each organisation's pack uses for each kind of document.
PACKS = {
    "havering": {"agreement": HAVERING_AGREEMENT.key, "record": HAVERING_RECORD.key},
    "barking-dagenham": {"agreement": BARKING_DAGENHAM_AGREEMENT.key, "record": BARKING_DAGENHAM_RECORD.key},
}
