"""The Barking and Dagenham record of supervision discussion (Supervision Policy, 6.2 and Appendix 2)."""

import pathlib

from doc_templates.schema import Field, Section, TemplateSchema
from doc_templates.sessions import session_fields

NOT_DISCUSSED = "Not discussed at this session."

SECTIONS = (
    Section("session", "This supervision session",
            "This form should be used during supervision to record discussions and actions. All supervision should "
            "ensure that there is discussion on wellbeing, reflection and development using a strength-based "
            "approach. Both parties should sign the form at the end of the session and each keep a copy stored "
            "securely for future reference."),
    Section("checking_in", "Checking in",
            "Physical/emotional wellbeing · work life balance · Health and safety (including EDI matters)"),
    Section("leave", "Leave & Sickness",
            "Annual leave · Dependency leave · Any other leave · Sickness leave (discuss if support is required)"),
    Section("review", "Review of agreed actions.",
            "Work related actions · Non work related actions. The actions agreed at the last supervision are listed "
            "here: mark each one done or carried on."),
    Section("team", "Team or organisation discussion",
            "Positive initiatives · Feedback to take up to senior management"),
    Section("high_risk", "High risk/complex work (including safeguarding).",
            "Discuss using strength-based approaches. · Use reflective practice (tools can be found on the ASC "
            "practice guide). · Discuss coping strategies to deal with stress/workload if necessary. · Provide clear "
            "advice, direction and support. · Use collaborative decision making techniques."),
    Section("reflective", "Reflective discussions",
            "Values and ethics · Anti-oppressive practice · Strengths-based values · Positive risk taking."),
    Section("legal", "Recording and legal literacy",
            "Include self-review of practice, strengths and areas for development. · Discuss support requirements. "
            "· Discuss case law, case examples."),
    Section("learning", "Learning and professional development",
            "Discussion of impact of learning · How to implement learning cross the team/organization · Forthcoming "
            "training · Discussion about resources/articles supervisor/supervisee may have accessed/read. · Career "
            "progression etc."),
    Section("professional", "Professional Requirements",
            "Discussion about maintaining registration and professional standards. · CPD overview – how to upload "
            "on registration body."),
    Section("service", "Service Expectations",
            "Any priorities of the team or particular focus on areas of work that are important at present · "
            "Discuss financial circumstances, especially if the supervisee is a budget holder."),
    Section("aob", "Any other business.", ""),
    Section("actions", "Actions agreed",
            "Who will do what, by when: every action has an owner and a timescale. They come back for review at "
            "the next supervision."),
    Section("next", "Next supervision", "Date of next Supervision, Venue or Virtual, Time and date."),
)


def _discussion(name, section, label):
    return Field(name=name, label=label, help="", kind="textarea", required=False, max_length=10000,
                 section=section, blank_text=NOT_DISCUSSED)


SCHEMA = TemplateSchema(
    key="barking-dagenham/supervision-record",
    title="Recording of supervision discussion",
    version=1,
    docx_path=pathlib.Path(__file__).resolve().parent / "supervision-record-v1.docx",
    sections=SECTIONS,
    # Its Appendix 2 puts the supervisee's signature first: the supervisor is sent their link once it is in.
    signing_order=("supervisee", "supervisor"),
    fields=(
        Field(name="supervision_date", label="Date of this supervision",
              help="The date this supervision session was held.", kind="date", section="session",
              error_name="the date of this supervision session"),
        Field(name="supervision_time", label="Time", help="For example 10:00.", kind="text", required=False,
              max_length=50, section="session", blank_text="–"),
        *session_fields(),
        Field(name="agenda", label="Agenda",
              help="What each of you asked to discuss, prioritised at the start of the session (Appendix 1). The "
                   "items your supervisee added before the session are listed here.",
              kind="textarea", required=False, max_length=5000, section="session", blank_text="None set."),
        _discussion("checking_in", "checking_in", "Checking in"),
        _discussion("leave_and_sickness", "leave", "Leave & Sickness"),
        Field(name="action_review", label="Agreed actions from the last supervision",
              help="Mark each action done or carried on.", kind="review", required=False, section="review",
              blank_text="No actions were open from the last supervision."),
        _discussion("review_comments", "review", "Comment/discussion"),
        _discussion("team_discussion", "team", "Team or organisation discussion"),
        _discussion("high_risk", "high_risk", "High risk/complex work"),
        _discussion("reflective", "reflective", "Reflective discussions"),
        _discussion("legal_literacy", "legal", "Recording and legal literacy"),
        _discussion("learning", "learning", "Learning and professional development"),
        _discussion("professional_requirements", "professional", "Professional Requirements"),
        _discussion("service_expectations", "service", "Service Expectations"),
        _discussion("any_other_business", "aob", "Any other business"),
        # Work related and non work related, as the policy's review of actions divides them.
        Field(name="agreed_actions", label="Work related actions", help="What, who, by when.", kind="actions",
              required=False, section="actions", blank_text="No work related actions agreed."),
        Field(name="non_work_actions", label="Non work related actions",
              help="For example wellbeing or learning outside work: what, who, by when.", kind="actions",
              required=False, section="actions", blank_text="No non work related actions agreed."),
        Field(name="next_supervision_date", label="Date of next Supervision",
              help="Every 4 to 8 weeks, as your supervision agreement says.", kind="date", required=False,
              section="next", blank_text="Not yet arranged.", error_name="the date of the next supervision"),
        Field(name="next_supervision_time", label="Time of next supervision", help="For example 10:00.",
              kind="text", required=False, max_length=50, section="next", blank_text="Not yet arranged."),
        Field(name="venue", label="Venue or Virtual", help="Where you will meet, or “Virtual”.", kind="text",
              required=False, max_length=200, section="next", blank_text="Not yet arranged."),
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
