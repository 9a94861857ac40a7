"""The load benchmark's baselines: a minimal Flask app making a given number of database writes per request.

Not part of Countersign. `bench.bench_load` serves it with the same gunicorn settings as the app, on the same
database server, and its load users send each request of the app's journeys here as `GET/POST /<name>?writes=N`,
N being the writes the app's own request of that name made (counted by the benchmark before the run). Each request
opens a transaction, inserts N rows one statement at a time, commits once, and answers a small HTML page.

With `COUNTERSIGN_BENCH_MINIMAL_PAGE=govuk` it answers instead a page in the GOV.UK Design System, as Countersign's
pages are made: the GOV.UK page template with a header, and a form of six fields drawn by the GOV.UK form macros
(`govuk-frontend-wtf`, as the signing page's forms are) with its CSRF token. It reads nothing and checks nothing:
it is what any page of this kind costs before the app does any work of its own.

The database is `COUNTERSIGN_BENCH_MINIMAL_DATABASE_URL` (a SQLAlchemy URL); the table is made when the app starts.
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from flask import Flask, render_template_string, request

URL = os.environ["COUNTERSIGN_BENCH_MINIMAL_DATABASE_URL"]
GOVUK_PAGE = os.environ.get("COUNTERSIGN_BENCH_MINIMAL_PAGE") == "govuk"
# On SQLite, writers wait for each other as the app's do (its busy timeout) rather than fail at once.
engine = sa.create_engine(URL, connect_args={"timeout": 10} if URL.startswith("sqlite") else {})
writes = sa.Table("minimal_writes", sa.MetaData(),
                  sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
                  sa.Column("request_name", sa.String(40), nullable=False),
                  sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
                  sa.Column("detail", sa.Text, nullable=False))
try:
    with engine.begin() as connection:
        writes.metadata.create_all(connection, checkfirst=True)
except sa.exc.DatabaseError:  # another gunicorn worker made it at the same moment
    pass

app = Flask(__name__)


def _write(name: str) -> int:
    count = min(int(request.args.get("writes", "0")), 50)
    if count:
        with engine.begin() as connection:
            for i in range(count):
                connection.execute(writes.insert().values(request_name=name[:40], detail=f"{request.path} {i}"))
    return count


if GOVUK_PAGE:
    from flask_wtf import FlaskForm
    from govuk_frontend_wtf.main import WTFormsHelpers
    from govuk_frontend_wtf.wtforms_widgets import (
        GovCheckboxInput,
        GovSelect,
        GovSubmitInput,
        GovTextArea,
        GovTextInput,
    )
    from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader
    from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField

    app.secret_key = os.environ.get("COUNTERSIGN_SECRET_KEY", "minimal-app-key")
    app.jinja_loader = ChoiceLoader([PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                                                   "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf")})])
    WTFormsHelpers(app)

    class PageForm(FlaskForm):
        """Six fields, as the signing page's forms have: consent, a typed name, a code, a section, two reasons."""

        consent = BooleanField("I agree to sign electronically", widget=GovCheckboxInput())
        typed_name = StringField("Type your full name to sign", widget=GovTextInput())
        code = StringField("Code from the email", widget=GovTextInput())
        section = SelectField("Which part do you disagree with?", choices=[("a", "Frequency"), ("b", "Cover")],
                              widget=GovSelect())
        disagreement = TextAreaField("What do you disagree with?", widget=GovTextArea())
        reason = TextAreaField("Why are you declining?", widget=GovTextArea())
        submit = SubmitField("Sign", widget=GovSubmitInput())

    PAGE = """{% extends "govuk_frontend_jinja/template.html" %}
{% block pageTitle %}{{ name }} – Minimal{% endblock %}
{% block header %}<header class="govuk-header"><div class="govuk-header__container govuk-width-container">
<a href="/" class="govuk-header__link govuk-header__service-name">Minimal</a></div></header>{% endblock %}
{% block footer %}<footer class="govuk-footer"><div class="govuk-width-container">Minimal</div></footer>{% endblock %}
{% block content %}<h1 class="govuk-heading-l">{{ name }}</h1><p class="govuk-body">{{ count }} writes</p>
<form method="post" novalidate>{{ form.csrf_token }}
{% for field in form if field.name != "csrf_token" %}{{ field() }}{% endfor %}</form>{% endblock %}"""


@app.route("/<name>", methods=["GET", "POST"])
def answer(name: str):
    count = _write(name)
    if GOVUK_PAGE:
        return render_template_string(PAGE, name=name, count=count, form=PageForm(formdata=None, meta={"csrf": True}))
    return f"<!doctype html><title>{name}</title><p>{name}: {count} writes</p>"
