"""The Havering supervision record (ASC Supervision Policy v1.2, 7.2 and Appendix 2)."""

import pathlib

from doc_templates.schema import Field, Section, TemplateSchema
from doc_templates.sessions import session_fields

ACTION_HELP = "Action required, including timescales and by whom: every action has an owner and a timescale (7.2 a)."
NOT_DISCUSSED = "Not discussed at this session."
NO_ACTIONS = "No actions agreed."
CASE_RULE = "Havering policy 7.2 e"

SECTIONS = (
    Section("session", "This supervision session",
            "This form is used during supervision to record discussions and actions. Both parties sign it at the "
            "end of the session. By signing the record both parties are agreeing that supervision notes/records "
            "may be accessed and/or used as evidence to submit to professional regulatory authorities or quality "
            "assurance checks to demonstrate adherence to professional standards."),
    Section("wellbeing", "Supervisee’s Well Being",
            "Physical/emotional wellbeing, work life balance, health and safety concerns/issues.", part="Part A"),
    Section("leave", "Details of Holidays, sickness absence and HR issues since last supervision",
            "Annual leave, dependency leave, sickness leave (discuss if support is required) any other leave. "
            "DBS, registration, operational changes, working patterns."),
    Section("agenda", "Agenda Items",
            "Specific issues that are prioritised for the supervision session by both parties.", part="Part B"),
    Section("review", "Review of agreed action points from last meeting/matters arising",
            "The actions agreed at the last supervision are listed here: mark each one done or carried on. "
            "Carried-on actions stay open and come back at the next supervision."),
    Section("cases", "Case management",
            "Dependent on role – only complete this section if appropriate. Areas of case discussion; Progress, "
            "outcomes, decision-making, hypothesis and reflection and management overview (Identify key cases to be "
            "discussed and record the electronic case number and adult’s initials) - discuss coping strategies to "
            "deal with stress/workload if required. Any decisions made in supervision with regard to a person who "
            "receives support by ASC should be clearly recorded on the person’s case notes on LAS under the "
            "‘supervision section’ – this includes timeframes and who is responsible to undertake identified "
            "actions – this action should be undertaken by the supervisor."),
    Section("high_risk", "High risk/complex work (including safeguarding/welfare visits)",
            "Discuss using strengths based approaches and reflective practice tools, ensure due processes are "
            "followed and timescales met, provide clear advice direction and support, check appropriate assessments "
            "are carried out such us risk and MCA. Remember to ensure the ‘complexity flag’ is activated in LAS if "
            "appropriate."),
    Section("diversity", "Diversity and Equality",
            "Include discussions around impacts on cases, interactions with people we work with and colleagues "
            "(either face to face or via the telephone), the impact on individuals, self as well as specific areas "
            "of work. Discuss areas of anti-oppressive practice and identify any learning or support required."),
    Section("reflective", "Reflective Discussions on work, observations and audits",
            "Values and ethics, reflection of experience, strength based values, positive risk taking, identify "
            "any learning or support required, use of the Ethical Guidance framework."),
    Section("legal", "Legal literacy and competency frameworks",
            "Self-review of practice, strengths and areas for development, support requirements, case law and case "
            "examples. How practitioners incorporate legal rules into their case records to inform rationale for "
            "their decision making. Consider competencies linked to the Knowledge and Skills Statement for SW, the "
            "Professional Capabilities Framework for SW and RCOT Professional Standards and Ethics."),
    Section("learning", "Learning and Professional Development",
            "What CPD has been undertaken since the last supervision, what informal learning has taken place, "
            "implications on practice, career progression, registration requirements, links to PDR objectives."),
    Section("performance", "Performance overview and feedback",
            "Including worker’s strengths and development needs. (Linking with appraisal/PDR objectives)."),
    Section("team", "Team/General issues",
            "Including compliments and complaints, feedback to take to senior management."),
    Section("disagreement", "Areas of Disagreement/mediation",
            "If there is disagreement as to the content of the record, this should be recorded by the supervisor "
            "and escalated through line management (7.2 d)."),
    Section("aob", "Any other business actions", ""),
    Section("next", "Next supervision", "Date/Time of Next Supervision, Venue or Virtual, Type of Supervision."),
)


def _discussion(name, section, label, help_text=""):
    return Field(name=name, label=label, help=help_text, kind="textarea", required=False, max_length=10000,
                 section=section, blank_text=NOT_DISCUSSED)


def _actions(name, section):
    return Field(name=name, label="Action required, including timescales and by whom", help=ACTION_HELP,
                 kind="actions", required=False, section=section, blank_text=NO_ACTIONS)


def _count(name, label):
    return Field(name=name, label=label, help="A whole number.", kind="int", required=False, min_value=0,
                 max_value=9999, section="cases", blank_text="–")


SCHEMA = TemplateSchema(
    key="havering/supervision-record",
    title="Supervision record",
    version=1,
    docx_path=pathlib.Path(__file__).resolve().parent / "supervision-record-v1.docx",
    sections=SECTIONS,
    fields=(
        Field(name="supervision_date", label="Date", help="The date this supervision session was held.",
              kind="date", section="session", error_name="the date of this supervision session"),
        *session_fields(),
        _discussion("wellbeing", "wellbeing", "Supervisee’s Well Being"),
        _discussion("leave_and_hr", "leave", "Holidays, sickness absence and HR issues"),
        _discussion("agenda", "agenda", "Agenda items",
                "The items your supervisee added before the session are listed here: prioritise them together."),
        Field(name="action_review", label="Agreed action points from the last meeting",
              help="Mark each action done or carried on.", kind="review", required=False, section="review",
              blank_text="No actions were open from the last supervision."),
        _discussion("matters_arising", "review", "Matters arising"),
        _count("caseload_current", "Current caseload"),
        _count("caseload_safeguarding", "Current safeguarding cases"),
        _count("assessments_since_last", "Assessments since last supervision"),
        _count("reviews_since_last", "Reviews since last supervision"),
        _count("closed_since_last", "Cases closed since last supervision"),
        _count("bia_since_last", "BIA assessments since last supervision"),
        Field(name="cases_discussed", label="Cases Discussed – ID number and persons initials only",
              help=("Actions identified to be recorded on the person’s record as stated above. ID number and "
                    "initials only, for example LAS-123456 J.B. – never a name (7.2 e)."),
              kind="cases", required=False, section="cases", policy_ref=CASE_RULE, blank_text="No cases discussed."),
        _discussion("case_comments", "cases", "Comments",
                    "Do not write anyone’s name: refer to people by case ID and initials."),
        _discussion("high_risk", "high_risk", "High risk/complex work"),
        _discussion("diversity", "diversity", "Diversity and Equality"),
        _actions("diversity_actions", "diversity"),
        _discussion("reflective", "reflective", "Reflective discussions"),
        _actions("reflective_actions", "reflective"),
        _discussion("legal_literacy", "legal", "Legal literacy and competency frameworks"),
        _actions("legal_literacy_actions", "legal"),
        _discussion("learning", "learning", "Learning and professional development"),
        _actions("learning_actions", "learning"),
        _discussion("performance", "performance", "Performance overview and feedback"),
        _actions("performance_actions", "performance"),
        _discussion("team_issues", "team", "Team/General issues"),
        _actions("team_actions", "team"),
        _discussion("disagreement", "disagreement", "Areas of disagreement/mediation"),
        _discussion("any_other_business", "aob", "Any other business"),
        _actions("any_other_business_actions", "aob"),
        Field(name="next_supervision_date", label="Date of next supervision",
              help="Supervision is held at least monthly unless Appendix 3 says otherwise.", kind="date",
              required=False, section="next", blank_text="Not yet arranged.",
              error_name="the date of the next supervision"),
        Field(name="next_supervision_time", label="Time of next supervision", help="For example 10:00.",
              kind="text", required=False, max_length=50, section="next", blank_text="Not yet arranged."),
        Field(name="venue", label="Venue or virtual", help="Where you will meet, or “Virtual”.", kind="text",
              required=False, max_length=200, section="next", blank_text="Not yet arranged."),
        Field(name="supervision_type", label="Type of supervision", help="For example group, individual.",
              kind="text", required=False, max_length=100, section="next", default="Individual",
              blank_text="Individual"),
    ),
    system_fields=(
        "supervisor_name",
        "supervisee_name",
        "document_reference",
        "supervisor_signature",
        "supervisor_signed_on",
        "supervisee_signature",
        "supervisee_signed_on",
    ),
)
