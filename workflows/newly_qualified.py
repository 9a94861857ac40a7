"""Newly qualified staff: while a programme's learning agreement (Barking and Dagenham's ASYE, B 5.2) is their
supervision agreement, no separate agreement is asked for; once it ends, one is needed as for anyone else."""

from __future__ import annotations

import datetime as dt

from workflows.frequency import add_months, policy_for


def learning_agreement_until(template_pack: str, category: str | None, start_date: dt.date | None) -> dt.date | None:
    """The day the learning agreement stops standing in for the supervision agreement; None where none does.

    The programme (the ASYE) runs for its months from the person's start date; with no start date on record it is
    taken to be still running, since a newly qualified social worker is on it from their first day.
    """
    policy = policy_for(template_pack)
    if category not in policy.learning_agreement_categories:
        return None
    if start_date is None:
        return dt.date.max
    return add_months(start_date, policy.learning_agreement_months)


def agreement_needed_by(template_pack: str, category: str | None, start_date: dt.date | None,
                        supervision_began: dt.date, today: dt.date) -> dt.date | None:
    """When a supervisee with no signed agreement needs one (B 5.3: within a month of supervision starting); None
    when the policy sets no deadline, or a learning agreement stands in for it today."""
    within = policy_for(template_pack).agreement_within_months
    if not within:
        return None
    until = learning_agreement_until(template_pack, category, start_date)
    if until is not None and today < until:
        return None
    # The learning agreement ended: a supervision agreement within the month after it, as at any start.
    return add_months(max(supervision_began, until) if until else supervision_began, within)


def learning_agreement_rule(template_pack: str) -> str:
    return policy_for(template_pack).learning_agreement_rule
