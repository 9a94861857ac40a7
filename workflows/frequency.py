"""How often each organisation's staff must be supervised, as data: Havering Appendix 3, Barking and Dagenham 5.1.

Every rule gives the longest gap allowed between one-to-one sessions on a given day. Where several rules
apply to one person (a new starter who is also a newly qualified social worker appointed from outside
the UK), the most frequent wins, because each rule in the policies is an "at least".

Barking and Dagenham says "every four to eight weeks" (B 5.1) and leaves the figure to the agreement
(its Appendix 1: "every … (4-8 weeks)", e.g. every 2 weeks for a newly qualified social worker on
ASYE). So the next session is due at the agreed number of weeks, never more than eight; with no agreement
yet it is due at four weeks, the soonest the range allows, so nothing drifts while the agreement is made.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt

# --- intervals ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, order=True)
class Interval:
    """A gap between sessions: whole weeks or whole calendar months."""

    approx_days: float
    weeks: int = 0
    months: int = 0

    @classmethod
    def of_weeks(cls, weeks: int) -> Interval:
        return cls(approx_days=7.0 * weeks, weeks=weeks)

    @classmethod
    def of_months(cls, months: int) -> Interval:
        return cls(approx_days=30.44 * months, months=months)

    def after(self, day: dt.date) -> dt.date:
        """The day this interval after `day`; a month after 31 January is the last day of February."""
        return add_months(day, self.months) + dt.timedelta(weeks=self.weeks)

    @property
    def label(self) -> str:
        return _LABELS.get((self.weeks, self.months)) or (
            f"every {self.weeks} weeks" if self.weeks else f"every {self.months} months")


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day of the month `months` later, or that month's last day if it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


WEEKLY = Interval.of_weeks(1)
FORTNIGHTLY = Interval.of_weeks(2)
FOUR_WEEKLY = Interval.of_weeks(4)
EIGHT_WEEKLY = Interval.of_weeks(8)
MONTHLY = Interval.of_months(1)
QUARTERLY = Interval.of_months(3)
_LABELS = {(1, 0): "weekly", (2, 0): "fortnightly", (0, 1): "monthly", (0, 3): "quarterly",
           (4, 0): "every 4 weeks", (8, 0): "every 8 weeks"}


# --- rules -------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Stage:
    """A period counted from the person's start ("start") or qualification ("qualified") date."""

    interval: Interval
    anchor: str | None = None  # None: from then on
    weeks: int = 0
    months: int = 0

    def covers(self, on: dt.date, start: dt.date | None, qualified: dt.date | None) -> bool:
        if self.anchor is None:
            return True
        origin = start if self.anchor == "start" else qualified
        if origin is None:
            return False  # no date on record: a staged rule cannot be placed, so the next stage applies
        if on < origin:
            return True  # not started (or qualified) yet: the stage is still ahead of them
        return on < add_months(origin, self.months) + dt.timedelta(weeks=self.weeks)


@dataclasses.dataclass(frozen=True)
class Rule:
    """Stages tried in order; the first that covers the day gives the interval."""

    stages: tuple[Stage, ...]
    source: str
    by_agreement: bool = False

    def interval(self, on: dt.date, start: dt.date | None, qualified: dt.date | None) -> Interval | None:
        for stage in self.stages:
            if stage.covers(on, start, qualified):
                return stage.interval
        return None


@dataclasses.dataclass(frozen=True)
class GroupRule:
    """What group supervision is for a category: a requirement of its own beside one-to-one (Havering's day
    opportunities staff, weekly), or supervision that may take place in a group instead (Barking and Dagenham's
    provider services, B 4.3). A category without one has group sessions as well as, never instead of, one-to-one."""

    source: str
    interval: Interval | None = None
    stands_in_for_one_to_one: bool = False


@dataclasses.dataclass(frozen=True)
class Category:
    code: str
    label: str
    rule: Rule
    front_line: bool = True  # observations and dip-sample audits are for front-line practitioners (H 10.1)
    group: GroupRule | None = None


@dataclasses.dataclass(frozen=True)
class Policy:
    """An organisation's frequency rules."""

    name: str
    categories: tuple[Category, ...]
    # Apply to everyone (except where a category opts out), whatever their category.
    new_starter: Rule | None
    overseas: Rule | None
    part_time_by_agreement: bool
    # With no agreement, a "by agreement" category is supervised this often until one is signed.
    no_agreement_default: Interval
    agreed_weeks_range: tuple[int, int] | None = None  # B&D: 4–8; the longer end caps what an agreement may say
    agreement_within_months: int | None = None  # B 5.3: an agreement within one month of supervision starting
    # How long a session lasts: at least this many minutes, and (B&D) at most this many; the words that say so.
    session_minutes: tuple[int, int | None] = (60, None)
    session_rule: str = ""
    # Staff whose programme's learning agreement is their supervision agreement while it lasts (B 5.2: the ASYE's).
    learning_agreement_categories: tuple[str, ...] = ()
    learning_agreement_months: int = 12
    learning_agreement_rule: str = ""
    # A three-way meeting of supervisee, line manager and professional supervisor at least this often (H 5.5: "twice
    # a year"); None where the policy sets no interval (B 4.5: "occasional").
    three_way_months: int | None = None
    three_way_rule: str = ""
    # What the quality assurance page says of the audits and observations it plans ({per_kind} of each a year).
    quality_rule: str = ("Each supervisor undertakes {per_kind} dip sample case audits and {per_kind} direct "
                         "observations a year, chosen at random across their team, so that each supervisee has one "
                         "form of quality assurance (Havering policy 6.5 and 10.1; front-line practitioners only).")

    def category(self, code: str | None) -> Category:
        for category in self.categories:
            if category.code == code:
                return category
        return self.categories[0]

    def choices(self) -> list[tuple[str, str]]:
        return [(c.code, c.label) for c in self.categories]


_NEW_STARTER = Rule((Stage(WEEKLY, "start", weeks=4),),
                    "Appendix 3: new staff (including agency) once per week for the first 4 weeks")

HAVERING = Policy(
    name="London Borough of Havering ASC Supervision Policy, Appendix 3",
    categories=(
        Category("all_staff", "All other staff (including agency)",
                 Rule((Stage(MONTHLY),), "Appendix 3: at least monthly for all staff (including agency)")),
        Category("day_opportunities", "Day opportunities staff",
                 Rule((Stage(EIGHT_WEEKLY),), "Appendix 3: day opportunities staff one to one every 8 weeks"),
                 group=GroupRule("Appendix 3: day opportunities staff weekly group supervision via team meetings "
                                 "(5.2: supervision for these staff groups may take place in groups)",
                                 interval=WEEKLY)),
        Category("newly_qualified_non_registered", "Newly qualified staff (non-registered)",
                 Rule((Stage(FORTNIGHTLY, "qualified", months=3), Stage(MONTHLY)),
                      "Appendix 3: newly qualified staff (non-registered) fortnightly for the first three months "
                      "post-qualification and at least monthly thereafter")),
        Category("newly_qualified_social_worker", "Newly qualified social worker",
                 Rule((Stage(WEEKLY, "start", weeks=6), Stage(FORTNIGHTLY, "start", months=6), Stage(MONTHLY)),
                      "Appendix 3: newly qualified social workers at least weekly for the first six weeks of "
                      "employment, then at least fortnightly up to six months, then monthly")),
        Category("newly_qualified_occupational_therapist", "Newly qualified occupational therapist",
                 Rule((Stage(WEEKLY, "start", weeks=6), Stage(FORTNIGHTLY, "start", months=6), Stage(MONTHLY)),
                      "7.4: specific requirements for newly qualified occupational therapists, as for newly "
                      "qualified social workers (Appendix 3): at least weekly for the first six weeks of employment, "
                      "then at least fortnightly up to six months, then monthly")),
        Category("apprentice", "Apprentice",
                 Rule((Stage(FORTNIGHTLY),), "Appendix 3: apprentices fortnightly unless otherwise agreed")),
        Category("student_social_worker", "Student social worker",
                 Rule((), "Appendix 3: student social workers as per agreement with the academic institution",
                      by_agreement=True)),
        Category("non_case_holding", "Admin, group worker or non-case-holding staff",
                 Rule((Stage(QUARTERLY),), "Appendix 3: admin and group workers and non-case holding staff quarterly"),
                 front_line=False),
    ),
    new_starter=_NEW_STARTER,
    overseas=Rule((Stage(WEEKLY, "start", weeks=4), Stage(FORTNIGHTLY, "start", months=6), Stage(MONTHLY)),
                  "Appendix 3: professionals appointed from outside the UK at least weekly for the first four weeks, "
                  "then at least fortnightly up to six months, then a minimum of monthly"),
    part_time_by_agreement=True,
    no_agreement_default=MONTHLY,
    session_rule="Havering policy Appendix 1: we will meet for supervision for a minimum of 1 hour",
    three_way_months=6,
    three_way_rule="Havering policy 5.5: the line manager, professional supervisor and supervisee hold twice a year "
                   "3-way meetings",
)

_BD_RANGE = "5.1: every four to eight weeks"
BARKING_DAGENHAM = Policy(
    name="London Borough of Barking and Dagenham Adults Care and Support Supervision Policy, 5.1",
    categories=(
        Category("all_staff", "All staff", Rule((), _BD_RANGE, by_agreement=True)),
        Category("newly_qualified_social_worker", "Newly qualified social worker (ASYE)",
                 Rule((Stage(FORTNIGHTLY),), "Appendix 1: every 2 weeks for a newly qualified social worker "
                                             "completing the ASYE, unless the learning agreement says otherwise",
                      by_agreement=True)),
        Category("newly_qualified_occupational_therapist", "Newly qualified occupational therapist",
                 Rule((Stage(FORTNIGHTLY, "start", months=12),),
                      "6.4: specific requirements for newly qualified occupational therapists: every 2 weeks in their "
                      "first year, as for a newly qualified social worker (Appendix 1), unless their agreement says "
                      "otherwise", by_agreement=True)),
        Category("student_social_worker", "Student social worker", Rule((), _BD_RANGE, by_agreement=True)),
        Category("provider_services", "Provider services worker", Rule((), _BD_RANGE, by_agreement=True),
                 group=GroupRule("4.3: in Provider Services supervision may take place in a group; individual "
                                 "sessions should be available as required", stands_in_for_one_to_one=True)),
    ),
    new_starter=None,
    overseas=None,
    part_time_by_agreement=True,
    no_agreement_default=FOUR_WEEKLY,
    agreed_weeks_range=(4, 8),
    agreement_within_months=1,
    session_minutes=(60, 180),
    learning_agreement_categories=("newly_qualified_social_worker",),
    learning_agreement_rule="5.2: the ASYE learning agreement constitutes the supervision agreement for the duration "
                            "of the ASYE programme",
    session_rule="Barking and Dagenham policy 5.1: a minimum of one hour, not exceeding 3 hours",
    quality_rule="Barking and Dagenham's quality assurance framework includes the LGA Health Check for Social Workers "
                 "and Occupational Therapists and the Supervision Practice Evaluation Proforma (policy 10); the "
                 "supervision agreement names Practice Evaluations and inspection of case files (Appendix 1). The "
                 "policy sets no number a year: Countersign plans {per_kind} Supervision Practice Evaluations and "
                 "{per_kind} case file inspections for each supervisor, chosen at random across their team, so "
                 "that each supervisee has one of them.",
)

POLICIES = {"havering": HAVERING, "barking-dagenham": BARKING_DAGENHAM}

# Job titles people write that fall under "all staff"; anything else must be a listed category.
_ALL_STAFF_ALIASES = {"qualified social worker", "social worker", "occupational therapist",
                      "qualified occupational therapist", "team manager", "manager", "practitioner"}
_ALIASES = {"nqsw": "newly_qualified_social_worker", "asye": "newly_qualified_social_worker",
            "nqot": "newly_qualified_occupational_therapist",
            "student": "student_social_worker", "admin": "non_case_holding"}


def policy_for(template_pack: str) -> Policy:
    """The frequency rules of an organisation's pack (Havering's if the pack is unknown)."""
    return POLICIES.get(template_pack, HAVERING)


def category_code(template_pack: str, text: str | None) -> str | None:
    """The category code for what was typed or chosen (its code or label, any case); None if there is none."""
    policy = policy_for(template_pack)
    wanted = " ".join((text or "").lower().replace("_", " ").split())
    if not wanted:
        return None
    for category in policy.categories:
        if wanted in (category.code.replace("_", " "), category.label.lower()):
            return category.code
    alias = _ALIASES.get(wanted) or ("all_staff" if wanted in _ALL_STAFF_ALIASES else None)
    known = {c.code for c in policy.categories}
    return alias if alias in known else None


# Only group supervision counts toward a frequency: reflective practice sessions and action learning are among the
# "other forms of supervision" (H 5.5, B 4.5), valuable but not in place of it.
COUNTING_GROUP_KINDS = ("group_supervision",)


def group_rule(template_pack: str, code: str | None) -> GroupRule | None:
    """What group supervision is for a staff category of the organisation, if it counts toward anything."""
    return policy_for(template_pack).category(code).group


def category_label(template_pack: str, code: str | None) -> str:
    """The words for a stored category code."""
    if not code:
        return "Not set"
    return next((c.label for c in policy_for(template_pack).categories if c.code == code), code)


# --- applying the rules ------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Frequency:
    """How often someone must be supervised on a day, and the policy words that say so."""

    interval: Interval
    reason: str

    def due_after(self, day: dt.date) -> dt.date:
        return self.interval.after(day)


@dataclasses.dataclass(frozen=True)
class Person:
    """What the rules need to know about a supervisee (plain values, so the rules can be tested alone)."""

    category: str | None
    start_date: dt.date | None
    qualified_on: dt.date | None = None
    part_time: bool = False
    appointed_from_overseas: bool = False
    agreed_weeks: int | None = None  # from their signed agreement, if they have one


def frequency_on(template_pack: str, person: Person, on: dt.date) -> Frequency:
    """The most frequent supervision any applicable rule of the organisation requires on that day."""
    policy = policy_for(template_pack)
    category = policy.category(person.category)
    candidates: list[Frequency] = []

    by_agreement = category.rule.by_agreement or (person.part_time and policy.part_time_by_agreement)
    if by_agreement and person.agreed_weeks:
        weeks = person.agreed_weeks
        if policy.agreed_weeks_range:
            weeks = min(weeks, policy.agreed_weeks_range[1])
        why = "part-time staff by agreement" if person.part_time and not category.rule.by_agreement else category.rule.source
        candidates.append(Frequency(Interval.of_weeks(weeks), f"As agreed in the supervision agreement ({why})"))
    else:
        interval = category.rule.interval(on, person.start_date, person.qualified_on)
        if interval is not None:
            candidates.append(Frequency(interval, category.rule.source))
        elif by_agreement:
            candidates.append(Frequency(policy.no_agreement_default,
                                        f"{category.rule.source} – no signed agreement yet, so "
                                        f"{policy.no_agreement_default.label} until there is one"))
        if person.agreed_weeks and not by_agreement:
            # An agreement may promise more often than the policy's minimum; both signed it, so it stands.
            candidates.append(Frequency(Interval.of_weeks(person.agreed_weeks), "As agreed in the supervision agreement"))

    if policy.new_starter and category.code != "student_social_worker":
        interval = policy.new_starter.interval(on, person.start_date, person.qualified_on)
        if interval is not None:
            candidates.append(Frequency(interval, policy.new_starter.source))
    if policy.overseas and person.appointed_from_overseas:
        interval = policy.overseas.interval(on, person.start_date, person.qualified_on)
        if interval is not None:
            candidates.append(Frequency(interval, policy.overseas.source))
    if not candidates:
        candidates.append(Frequency(policy.no_agreement_default, policy.name))
    return min(candidates, key=lambda f: f.interval.approx_days)
