"""Template packs, one folder per organisation, and the registry of every template they ship."""

from doc_templates.packs.barking_dagenham import professional as bd_professional
from doc_templates.packs.barking_dagenham import quality as bd_quality
from doc_templates.packs.barking_dagenham.agreement import SCHEMA as BARKING_DAGENHAM_AGREEMENT
from doc_templates.packs.barking_dagenham.record import SCHEMA as BARKING_DAGENHAM_RECORD
from doc_templates.packs.barking_dagenham.three_way import SCHEMA as BARKING_DAGENHAM_THREE_WAY
from doc_templates.packs.havering import professional as havering_professional
from doc_templates.packs.havering import quality as havering_quality
from doc_templates.packs.havering.agreement import SCHEMA as HAVERING_AGREEMENT
from doc_templates.packs.havering.record import SCHEMA as HAVERING_RECORD
from doc_templates.packs.havering.three_way import SCHEMA as HAVERING_THREE_WAY
from doc_templates.schema import TemplateSchema

SCHEMAS = (HAVERING_AGREEMENT, HAVERING_RECORD, BARKING_DAGENHAM_AGREEMENT, BARKING_DAGENHAM_RECORD)
# Professional supervision, three-way meetings and each council's quality assurance forms.
SCHEMAS += (havering_professional.AGREEMENT, havering_professional.RECORD, HAVERING_THREE_WAY,
            havering_quality.OBSERVATION, havering_quality.DIP_SAMPLE_AUDIT,
            bd_professional.AGREEMENT, bd_professional.RECORD, BARKING_DAGENHAM_THREE_WAY,
            bd_quality.PRACTICE_EVALUATION, bd_quality.CASE_FILE_INSPECTION)
# Which template each organisation's pack uses for each kind of document.
PACKS = {
    "havering": {"agreement": HAVERING_AGREEMENT.key, "record": HAVERING_RECORD.key},
    "barking-dagenham": {"agreement": BARKING_DAGENHAM_AGREEMENT.key, "record": BARKING_DAGENHAM_RECORD.key},
}
PACKS["havering"].update({
    "professional_agreement": havering_professional.AGREEMENT.key, "professional_record": havering_professional.RECORD.key,
    "three_way_meeting": HAVERING_THREE_WAY.key, "observation": havering_quality.OBSERVATION.key,
    "dip_sample_audit": havering_quality.DIP_SAMPLE_AUDIT.key})
PACKS["barking-dagenham"].update({
    "professional_agreement": bd_professional.AGREEMENT.key, "professional_record": bd_professional.RECORD.key,
    "three_way_meeting": BARKING_DAGENHAM_THREE_WAY.key, "observation": bd_quality.PRACTICE_EVALUATION.key,
    "dip_sample_audit": bd_quality.CASE_FILE_INSPECTION.key})
_REGISTRY = {schema.key: schema for schema in SCHEMAS}


def get_schema(key: str) -> TemplateSchema:
    """Find a template schema by its key, e.g. 'havering/supervision-agreement'."""
    try:
        return _REGISTRY[key]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY)) or "none"
        raise KeyError(f"No document template called {key!r}; known templates: {known}") from None


def schemas() -> list[TemplateSchema]:
    """Every template schema the app ships."""
    return list(SCHEMAS)


def pack_schema(template_pack: str, kind: str) -> TemplateSchema:
    """The template an organisation's pack uses for a kind of document ("agreement" or "record")."""
    return get_schema(PACKS[template_pack][kind])

# Group sessions' records (group supervision, reflective groups, action learning sets), one per pack.
from doc_templates.packs.barking_dagenham.group_record import SCHEMA as BARKING_DAGENHAM_GROUP_RECORD  # noqa: E402
from doc_templates.packs.havering.group_record import SCHEMA as HAVERING_GROUP_RECORD  # noqa: E402

SCHEMAS += (HAVERING_GROUP_RECORD, BARKING_DAGENHAM_GROUP_RECORD)
PACKS["havering"]["group_record"] = HAVERING_GROUP_RECORD.key
PACKS["barking-dagenham"]["group_record"] = BARKING_DAGENHAM_GROUP_RECORD.key
_REGISTRY.update({schema.key: schema for schema in (HAVERING_GROUP_RECORD, BARKING_DAGENHAM_GROUP_RECORD)})
