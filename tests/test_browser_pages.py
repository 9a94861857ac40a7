"""Every signed-in page, for every role, in Debian's Chromium: axe-core (WCAG 2.2 AA) finds nothing at 1280 and
390 px and no page scrolls sideways at 320 px; on a phone the menu folds behind its "Menu" button, the archive is
searched by a typed name and left for a document and back again, and each role's home page is photographed at both
widths for the README (docs/screenshots/).

One live server and one browser serve the whole module: each test here walks many pages on them.
"""

from __future__ import annotations

import os
import pathlib
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from storage.models import DocumentState, Staff
from tests.support.accessibility import check_page, scrolls_sideways
from tests.support.pages import links_on, shape, sign_in_as, wider_than_the_screen

pytestmark = [pytest.mark.browser]

# The README's screenshots are taken again only when asked for (COUNTERSIGN_SCREENSHOTS=1); a test run otherwise
# leaves the repository as it found it and keeps its pictures in its own temporary folder.
README_SCREENSHOTS = pathlib.Path(__file__).resolve().parents[1] / "docs" / "screenshots"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
ROLES = ("supervisor", "supervisee", "manager", "hr", "admin")


@pytest.fixture
def documents(people, document_in):
    """Something on every role's pages: a document to sign, one declined, and signed ones."""
    return {
        "awaiting": document_in(DocumentState.OUT_FOR_SIGNATURE),
        "declined": document_in(DocumentState.DECLINED),
        "locked": document_in(DocumentState.LOCKED),
        "other": document_in(DocumentState.LOCKED, supervisor=people.other_supervisor,
                             supervisee=people.other_supervisee),
    }


def _context(browser, **options):
    context = browser.new_context(**({"viewport": {"width": 1280, "height": 900}} | options))
    context.set_default_timeout(15_000)
    return context


def test_every_page_for_every_role_passes_axe_and_fits_a_phone(browser, documents, live_url, people, tmp_path):
    screenshots = README_SCREENSHOTS if os.environ.get("COUNTERSIGN_SCREENSHOTS") else tmp_path
    screenshots.mkdir(parents=True, exist_ok=True)
    checked: set[str] = set()
    for role in ROLES:
        person = getattr(people, role)
        context = _context(browser)
        page = context.new_page()
        sign_in_as(page, live_url, person, people.password)
        check_page(page, f"the {role}'s home page")
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=str(screenshots / f"home-{role}-{width}.png"), full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})
        menu = links_on(page, live_url, "#navigation")
        # Each menu page as this person sees it, then once each the pages they lead to.
        for address in menu + [link for link in links_on(page, live_url, "main") if link not in menu]:
            own = f"{role} {shape(address)}"
            if own in checked:
                continue
            checked.add(own)
            page.goto(address)
            check_page(page, f"{address} as the {role}")
            for deeper in links_on(page, live_url, "main"):
                if shape(deeper) in checked or f"{role} {shape(deeper)}" in checked:
                    continue
                checked.add(shape(deeper))
                page.goto(deeper)
                check_page(page, f"{deeper} as the {role}")
                page.go_back()
        context.close()
    # Every role's menu was walked, and the pages behind it.
    assert len(checked) > 25, sorted(checked)


def test_on_a_phone_the_menu_opens_and_the_archive_is_searched_and_left_and_returned_to(browser, documents,
                                                                                         live_url, people):
    context = _context(browser, **PHONE)
    phone = context.new_page()
    sign_in_as(phone, live_url, people.hr, people.password)

    menu_button = phone.get_by_role("button", name="Menu")
    expect(menu_button).to_be_visible()
    expect(menu_button).to_have_attribute("aria-expanded", "false")
    archive = phone.locator("#navigation").get_by_role("link", name="Archive")
    expect(archive).to_be_hidden()
    menu_button.click()
    expect(menu_button).to_have_attribute("aria-expanded", "true")
    expect(archive).to_be_visible()
    archive.click()

    expect(phone.get_by_role("heading", name="Archive", exact=True)).to_be_visible()
    assert not scrolls_sideways(phone)
    phone.get_by_label("Reference or name").fill("Ravi")
    phone.get_by_role("button", name="Search").click()
    expect(phone.get_by_role("heading", name=re.compile("^Showing 1 to 1 of 1 documents"))).to_be_visible()
    assert not scrolls_sideways(phone)
    check_page(phone, "the archive's results on a phone")
    phone.get_by_role("link", name=re.compile(r"^AGR-")).click()
    expect(phone.get_by_role("heading", level=1)).to_be_visible()
    phone.get_by_role("link", name="Back to results").click()
    expect(phone).to_have_url(re.compile(r"/archive\?.*q=Ravi"))
    expect(phone.get_by_label("Reference or name")).to_have_value("Ravi")
    context.close()


def test_on_a_phone_the_record_form_jumps_to_its_sections_keeps_its_save_status_in_view_and_links_its_errors(
        browser, live_url, people):
    context = _context(browser, **PHONE)
    phone = context.new_page()
    sign_in_as(phone, live_url, people.supervisor, people.password)
    phone.goto(f"{live_url}/records/new?supervisee={people.supervisee.id}")
    phone.get_by_role("button", name="Start the record").click()
    expect(phone.get_by_role("heading", name=re.compile("^Supervision record for"))).to_be_visible()
    assert not scrolls_sideways(phone), wider_than_the_screen(phone)

    jump_list = phone.get_by_role("navigation", name="Sections of the record")
    sections = jump_list.get_by_role("link")
    assert sections.count() >= 5
    last = sections.last
    target = last.get_attribute("href")
    last.click()
    expect(phone.locator(target)).to_be_in_viewport()
    # Far down the page, what was last saved is still on the screen, and says so as the supervisor types.
    status = phone.get_by_role("status")
    expect(status).to_be_in_viewport()
    phone.locator(f"{target} textarea, {target} input[type=text]").first.fill("Talked it through")
    expect(status).to_contain_text("Draft saved", timeout=15_000)
    expect(status).to_be_in_viewport()

    # A mistake is listed at the top, and its link leads to the box to put right.
    phone.locator("#cases_discussed-0-reference").fill("654321 Mary Jones")
    phone.get_by_role("button", name="Save and preview").click()
    summary = phone.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    links = summary.get_by_role("link")
    assert links.count() >= 1
    for index in range(links.count()):
        href = links.nth(index).get_attribute("href")
        assert href.startswith("#") and phone.locator(href).count() == 1, href
    summary.locator('a[href="#cases_discussed-0-reference"]').click()
    expect(phone.locator("#cases_discussed-0-reference")).to_be_focused()
    check_page(phone, "the record form with an error")
    context.close()


@pytest.fixture
def group_sessions(db, people):
    """A group session whose record is out for signature, and one whose record is not written yet."""
    import datetime as dt

    from storage.models import GroupAttendee, GroupKind, GroupSession, Staff
    from tests.factories import DocumentFactory

    facilitator = db.get(Staff, people.supervisor.id)
    # Weekly group supervision beside their one-to-one (Havering Appendix 3): the due page shows both.
    db.get(Staff, people.supervisee.id).staff_category = "day_opportunities"
    held_on = dt.date.today() - dt.timedelta(days=2)
    record = DocumentFactory(kind="group_record", template_key="havering/group-supervision-record",
                             supervisor=facilitator, supervisee=facilitator, state=DocumentState.OUT_FOR_SIGNATURE,
                             data={"group_kind": "group_supervision", "supervision_date": held_on.isoformat(),
                                   "session_length": 90, "group_discussion": "Rotas"})
    sent = GroupSession(organisation_id=facilitator.organisation_id, facilitator_id=facilitator.id,
                        kind=GroupKind.GROUP_SUPERVISION, held_on=held_on, length_minutes=90, document_id=record.id,
                        attendees=[GroupAttendee(staff_id=people.supervisee.id),
                                   GroupAttendee(staff_id=people.other_supervisee.id)])
    unwritten = GroupSession(organisation_id=facilitator.organisation_id, facilitator_id=facilitator.id,
                             kind=GroupKind.ACTION_LEARNING_SET, held_on=held_on, length_minutes=60,
                             attendees=[GroupAttendee(staff_id=people.supervisee.id),
                                        GroupAttendee(staff_id=people.manager.id)])
    db.add_all([sent, unwritten])
    db.commit()
    return sent.id, unwritten.id


def test_group_session_pages_pass_axe_and_fit_a_phone(browser, group_sessions, live_url, people, tmp_path):
    sent, unwritten = group_sessions
    pages = {
        "supervisor": ["/due", "/groups", "/groups/new", f"/groups/{sent}", f"/groups/{unwritten}",
                       f"/groups/{unwritten}/record", f"/groups/{sent}/absent/{people.supervisee.id}"],
        "supervisee": ["/", "/groups", f"/groups/{sent}"],
        "hr": [f"/groups/{sent}"],
    }
    shots = pathlib.Path(os.environ.get("BROWSER_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    for role, addresses in pages.items():
        context = _context(browser)
        page = context.new_page()
        sign_in_as(page, live_url, getattr(people, role), people.password)
        for address in addresses:
            page.goto(f"{live_url}{address}")
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            assert "Page not found" not in page.content(), f"{address} as the {role}"
            check_page(page, f"{address} as the {role}")
            for width in (1280, 390):
                page.set_viewport_size({"width": width, "height": 900})
                page.screenshot(path=str(shots / f"{role}{address.replace('/', '-')}-{width}.png"), full_page=True)
            page.set_viewport_size({"width": 1280, "height": 900})
        context.close()
def test_professional_supervision_quality_forms_and_reflections_pass_axe_at_every_width(
        app, browser, live_url, people, db, tmp_path):
    """The pages a menu walk cannot reach without data: a professional supervisor's, a quality assurance form, a
    three-way meeting and reflections, each also with its mistakes shown."""
    import datetime as dt
    import types

    from storage.models import Organisation, QualityActivity, Reflection, Role
    from tests.factories import StaffFactory
    from tests.support.data import actor_for
    from workflows import professional

    today = dt.date.today()
    olivia = StaffFactory(organisation=db.get(Organisation, people.org.id), name="Olivia Thomas",
                          email="olivia.thomas@havering.example", profession="Occupational therapist",
                          roles=(Role.SUPERVISOR,))
    olivia = types.SimpleNamespace(id=olivia.id, name=olivia.name, email=olivia.email)
    activity = QualityActivity(organisation_id=people.org.id, supervisor_id=people.supervisor.id,
                               supervisee_id=people.supervisee.id, year=today.year, kind="dip_sample_audit", slot=1,
                               planned_by_id=people.supervisor.id)
    reflection = Reflection(organisation_id=people.org.id, staff_id=people.supervisee.id, written_on=today,
                            title="After supervision", text="What I learnt", in_portfolio=True)
    db.add_all([activity, reflection])
    db.commit()
    activity_id, reflection_id = activity.id, reflection.id
    with app.test_request_context():
        professional.name_professional_supervisor(people.other_supervisee.id, olivia.id,
                                                  {"starts_on": today.isoformat()}, actor_for(people.admin))
    screenshots = pathlib.Path(os.environ.get("COUNTERSIGN_NEW_PAGE_SCREENSHOTS") or tmp_path)
    screenshots.mkdir(parents=True, exist_ok=True)
    visits = (
        (olivia, ["/professional-supervision", "/professional-supervision/new/professional_record",
                  "/professional-supervision/new/professional_agreement"]),
        (people.other_supervisor, ["/three-way-meetings/new", "/due"]),
        (people.supervisor, [f"/quality/{activity_id}/form", "/quality"]),
        (people.supervisee, ["/reflections", f"/reflections/{reflection_id}"]),
    )
    for person, addresses in visits:
        context = _context(browser)
        page = context.new_page()
        sign_in_as(page, live_url, person, people.password)
        for address in addresses:
            page.goto(f"{live_url}{address}")
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            check_page(page, f"{address} as {person.name}")
            name = address.strip("/").replace("/", "-") or "home"
            for width in (1280, 390):
                page.set_viewport_size({"width": width, "height": 900})
                page.screenshot(path=str(screenshots / f"{name}-{width}.png"), full_page=True)
            page.set_viewport_size({"width": 1280, "height": 900})
            button = page.locator("main form button.govuk-button").last
            if address.endswith(("/new/professional_record", "/three-way-meetings/new", "/form", "/reflections")):
                button.click()  # nothing filled in: every mistake listed at the top and beside its box
                expect(page.locator(".govuk-error-summary")).to_be_visible()
                check_page(page, f"{address} with its mistakes, as {person.name}")
        context.close()


def test_on_a_phone_the_authenticator_set_up_shows_a_qr_code_that_fits_the_screen(browser, live_url, people, db,
                                                                                   tmp_path):
    db.execute(update(Staff).where(Staff.id == people.hr.id).values(totp_secret=None, totp_enabled_at=None))
    db.commit()
    context = _context(browser, **PHONE)
    phone = context.new_page()
    phone.goto(f"{live_url}/sign-in")
    phone.get_by_label("Email address").fill(people.hr.email)
    phone.get_by_label("Password", exact=True).fill(people.password)
    phone.get_by_role("button", name="Sign in", exact=True).click()
    expect(phone.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    code = phone.locator("svg.cs-qr")
    expect(code).to_be_visible()
    box = code.bounding_box()
    # Big enough for a camera to read from the screen, never wider than it.
    assert 150 <= box["width"] <= 390 - 30, box
    assert not scrolls_sideways(phone), wider_than_the_screen(phone)
    phone.screenshot(path=str(tmp_path / "authenticator-390.png"), full_page=True)
    check_page(phone, "the authenticator set-up page")
    context.close()
