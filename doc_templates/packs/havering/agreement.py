"""The Havering supervision agreement (ASC Supervision Policy v1.2, 7.1 and Appendix 1)."""

import pathlib

from doc_templates.schema import Field, TemplateSchema

SCHEMA = TemplateSchema(
    key="havering/supervision-agreement",
    title="Supervision agreement",
    version=1,
    docx_path=pathlib.Path(__file__).resolve().parent / "supervision-agreement-v1.docx",
    fields=(
        Field(
            name="frequency_weeks",
            label="How often you will meet",
            help=(
                "“We will meet for supervision every … weeks.” One-to-one supervision must "
                "take place at least monthly, except for the groups in Appendix 3: for example "
                "weekly for new staff in their first 4 weeks, fortnightly for apprentices, "
                "every 8 weeks for day opportunities staff, quarterly for admin staff."
            ),
            kind="int",
            min_value=1,
            max_value=13,
            suffix="weeks",
            default="4",
            error_name="how often you will meet",
        ),
        Field(
            name="minimum_length_minutes",
            label="Minimum length of each session",
            help=(
                "“… for a minimum of 1 hour.” Formal supervision lasts at least 1 hour; "
                "enter a longer time if you agree one."
            ),
            kind="int",
            min_value=60,
            max_value=180,
            suffix="minutes",
            default="60",
            error_name="the minimum length of each session",
        ),
        Field(
            name="absence_cover",
            label="Who will supervise if the supervisor is away",
            help=(
                "“If the supervisor is likely to be away for more than 1 month, supervision "
                "will be undertaken by …, or another member of the management team as agreed "
                "with the supervisee.” Give a name and job title."
            ),
            kind="text",
            max_length=200,
            error_name="who will supervise if the supervisor is away for more than 1 month",
        ),
        Field(
            name="professional_supervision",
            label="Professional or clinical supervision (if your professions differ)",
            help=(
                "Where the supervisor and supervisee are from different professions, the "
                "supervisee must have regular supervision from a manager with the same "
                "professional qualification, for example a named manager of the same profession "
                "or professional group supervision. Say who, and how often. Leave blank if you "
                "are from the same profession."
            ),
            kind="textarea",
            required=False,
            max_length=2000,
            error_name="the arrangement for professional or clinical supervision",
            blank_text=(
                "None needed: the supervisor and supervisee are from the same profession, so "
                "professional supervision is part of this supervision."
            ),
        ),
        Field(
            name="start_date",
            label="Date supervision starts",
            help="The date supervision under this agreement starts. It is reviewed a year later.",
            kind="date",
            error_name="the date supervision starts",
        ),
    ),
    system_fields=(
        "supervisor_name",
        "supervisee_name",
        "review_date",
        "document_reference",
        "supervisor_signature",
        "supervisor_signed_on",
        "supervisee_signature",
        "supervisee_signed_on",
        "recorded_disagreements",
    ),
)
