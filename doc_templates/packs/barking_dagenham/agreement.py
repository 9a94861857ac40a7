"""The Barking and Dagenham supervision agreement (Adults Care and Support Supervision Policy, 5.3, 6.1, Appendix 1)."""

import pathlib

from doc_templates.schema import Field, TemplateSchema

SCHEMA = TemplateSchema(
    key="barking-dagenham/supervision-agreement",
    title="Supervision agreement",
    version=1,
    docx_path=pathlib.Path(__file__).resolve().parent / "supervision-agreement-v1.docx",
    fields=(
        Field(
            name="frequency_weeks",
            label="How often you will meet",
            help=(
                "“We will meet for supervision every ……. (4-8 weeks)”. This can be changed to suit the working "
                "pattern and role of the staff member, e.g. every 2 weeks for a newly qualified social worker "
                "completing the ASYE course."
            ),
            kind="int",
            min_value=1,
            max_value=8,
            suffix="weeks",
            default="4",
            error_name="how often you will meet",
        ),
        Field(
            name="minimum_length_minutes",
            label="Length of each session",
            help=(
                "“… a minimum of 1 hour, not exceeding 3 hours, however this can be changed to suit the working "
                "pattern and role of the staff member e.g. ½ hour every 4 weeks for someone who works part time.”"
            ),
            kind="int",
            min_value=30,
            max_value=180,
            suffix="minutes",
            default="60",
            error_name="the length of each session",
        ),
        Field(
            name="absence_cover",
            label="Who will supervise if the supervisor is away",
            help=(
                "“If the supervisor is likely to be away for more than 1 month, supervision will be undertaken "
                "by …, or another member of the management team as agreed with the supervisee.” Give a name and "
                "job title."
            ),
            kind="text",
            max_length=200,
            error_name="who will supervise if the supervisor is away for more than 1 month",
        ),
        Field(
            name="professional_supervision",
            label="Professional supervision (if your professions differ)",
            help=(
                "Where the supervisor and supervisee are from different professions, the supervisee must have "
                "access to regular supervision from a manager with the same professional qualification. Say who, "
                "and how often. Leave blank if you are from the same profession."
            ),
            kind="textarea",
            required=False,
            max_length=2000,
            error_name="the arrangement for professional supervision",
            blank_text=(
                "None needed: the supervisor and supervisee are from the same profession, so professional "
                "supervision is part of this supervision."
            ),
        ),
        Field(
            name="start_date",
            label="Date supervision starts",
            help=(
                "The agreement must be in place within one month of supervision starting (5.3). It is reviewed "
                "at least annually."
            ),
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
