"""Assurance for the council (H 4.1, B 2.1; the LGA Employer Standards, the CQC's assessment of local authorities):
by team and service, how many people are supervised at their policy's frequency, agreements current, sessions
missed, records signed on time, and dip samples and observations done."""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import select

from storage.db import session as db
from storage.models import Document, DocumentState, QualityActivity, Staff
from workflows import schedule, sessions
from workflows.spreadsheet import write_csv

COLUMNS = ("service", "team", "supervisees", "supervised_at_frequency", "agreements_current", "sessions_missed",
           "records_signed", "records_sent_on_time", "dip_samples_done", "observations_done")


@dataclasses.dataclass
class TeamFigures:
    """One supervisor's team: its service (their line manager) and its figures."""

    service: str
    team: str
    supervisees: int = 0
    supervised_at_frequency: int = 0
    agreements_current: int = 0
    sessions_missed: int = 0
    records_signed: int = 0
    records_sent_on_time: int = 0
    dip_samples_done: int = 0
    observations_done: int = 0

    def percent(self, part: str, whole: str = "supervisees") -> int | None:
        total = getattr(self, whole)
        return round(100 * getattr(self, part) / total) if total else None


def report(organisation_id: int, today: dt.date | None = None) -> list[TeamFigures]:
    """The organisation's figures by service and team, for the year to `today`."""
    today = today or dt.date.today()
    since = today - dt.timedelta(days=365)
    rows = [row for row in schedule.due_everywhere(today) if row.supervisee.organisation_id == organisation_id]
    missed = sessions.missed_counts((row.supervisee.id for row in rows), today)
    teams: dict[int, TeamFigures] = {}

    def team_of(supervisor: Staff) -> TeamFigures:
        if supervisor.id not in teams:
            service = supervisor.line_manager.name if supervisor.line_manager else "No service manager"
            teams[supervisor.id] = TeamFigures(service=service, team=supervisor.name)
        return teams[supervisor.id]

    for row in rows:
        figures = team_of(row.supervisor)
        figures.supervisees += 1
        figures.supervised_at_frequency += row.status != "overdue"
        figures.agreements_current += bool(
            (row.agreement is not None and row.review_status != "overdue") or row.learning_agreement_until)
        figures.sessions_missed += missed.get(row.supervisee.id, 0)
    signed = db.scalars(select(Document).where(
        Document.organisation_id == organisation_id, Document.kind == "record",
        Document.state == DocumentState.LOCKED, Document.sent_at.is_not(None))).all()
    for document in signed:
        if document.locked_at.date() < since:
            continue
        figures = team_of(document.supervisor)
        figures.records_signed += 1
        figures.records_sent_on_time += sessions.sent_late(document) is False
    done = db.scalars(select(QualityActivity).where(
        QualityActivity.organisation_id == organisation_id, QualityActivity.done_on.is_not(None),
        QualityActivity.done_on > since)).all()
    for activity in done:
        figures = team_of(activity.supervisor)
        if activity.kind == "observation":
            figures.observations_done += 1
        else:
            figures.dip_samples_done += 1
    return sorted(teams.values(), key=lambda f: (f.service, f.team))


def report_csv(organisation_id: int, today: dt.date | None = None) -> str:
    """The same figures as a CSV, one row per team."""
    return write_csv((dataclasses.asdict(f) for f in report(organisation_id, today)), COLUMNS)
