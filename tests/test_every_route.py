"""Every route, as every kind of visitor, with malformed, enormous and Unicode-digit values: never a 500."""

from __future__ import annotations

import traceback
from urllib.parse import quote, urlencode

import pytest
from flask import abort
from werkzeug.routing import AnyConverter

from doc_templates import schemas
from web.forms import Form

# Too big for any id column, just too big for PostgreSQL's integer, Unicode digits, signs and fractions, a NUL,
# a 2,000-digit number and text where a number belongs.
BAD_VALUES = ["9999999999999999999999999", "2147483648", "²", "٣", "１", "-1", "1.5", "1e3", "\x00", "9" * 2000,
              "abc"]
# What the pages read from the query string besides their forms' fields.
QUERY_NAMES = {"supervisee", "supervisee_id", "supervisor_id", "staff_category", "year", "next", "inline", "page"}
ROLES = ["anonymous", "supervisor", "supervisee", "manager", "hr", "admin"]


@pytest.fixture
def app_config(app_config):
    return {**app_config, "DEV_MAIL": True}  # so the development mail page is walked too


def _form_field_names() -> set[str]:
    names = set(QUERY_NAMES)
    pending = list(Form.__subclasses__())
    while pending:
        form = pending.pop()
        pending.extend(form.__subclasses__())
        names.update(name for name, _ in getattr(form, "_unbound_fields", None) or [])
        names.update(name for name in vars(form) if not name.startswith("_") and hasattr(vars(form)[name], "field_class"))
    for schema in schemas():
        for field in schema.fields:
            names.add(field.name)
            names.update(f"{field.name}-0-{column}" for column in ("what", "who", "by_when", "reference", "outcome"))
    names.discard("csrf_token")
    return names


def _path(rule, value: str) -> str:
    """The rule's address with every variable part set to `value` (a valid choice where only a few are allowed)."""
    path = rule.rule
    for placeholder in _placeholders(rule.rule):
        name = placeholder.strip("<>").rsplit(":", 1)[-1]
        converter = rule._converters[name]
        part = next(iter(converter.items)) if isinstance(converter, AnyConverter) else quote(value, safe="")
        path = path.replace(placeholder, part)
    return path


def _placeholders(rule: str) -> list[str]:
    found, start = [], rule.find("<")
    while start != -1:
        end = rule.index(">", start)
        found.append(rule[start:end + 1])
        start = rule.find("<", end)
    return found


@pytest.mark.parametrize("role", ROLES)  # one test per kind of visitor, so the walk spreads across processes
def test_no_route_answers_500_to_malformed_values(app, people, login, role):
    names = _form_field_names()
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint not in ("static", "govuk_assets")]
    assert len(rules) > 40 and "devmail.message" in {rule.endpoint for rule in rules}
    assert {"supervisee", "reason", "wellbeing"} <= names
    app.config["PROPAGATE_EXCEPTIONS"] = True
    failures = []
    requests = 0
    client = app.test_client()
    if role != "anonymous":
        login(client, getattr(people, role))
    for rule in rules:
        for value in BAD_VALUES:
            path = _path(rule, value)
            query = urlencode({name: value for name in sorted(QUERY_NAMES)})
            form = {name: value for name in names}
            for method in sorted(rule.methods & {"GET", "POST"}):
                if rule.endpoint == "auth.logout":
                    continue  # would end this client's sign-in; it takes no values
                requests += 1
                try:
                    if method == "GET":
                        response = client.get(f"{path}?{query}")
                    else:
                        response = client.post(f"{path}?{query}", data=form)
                    status = response.status_code
                except Exception:  # noqa: BLE001 - every failure is collected and reported together
                    status = 500
                    detail = traceback.format_exc(limit=-3)
                else:
                    detail = ""
                if status >= 500:
                    failures.append(f"{role} {method} {rule.rule} {value[:30]!r}: {status} {detail}")
    assert requests > 500
    assert not failures, f"{len(failures)} requests answered 500:\n" + "\n".join(failures[:40])


def test_a_wrong_method_or_a_garbled_request_gets_the_services_own_page(app, client, people, login):
    def garbled():
        abort(400)  # as werkzeug does for a request it cannot parse

    app.add_url_rule("/garbled-for-this-test", view_func=garbled)
    login(client, people.supervisor)
    wrong = client.get("/sign-out")
    assert wrong.status_code == 405 and "Page not found" in wrong.get_data(as_text=True)
    refused = client.get("/garbled-for-this-test")
    assert refused.status_code == 400 and "could not be understood" in refused.get_data(as_text=True)
