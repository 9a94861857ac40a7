"""The supervisee's items for their next supervision's agenda."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, url_for
from wtforms import HiddenField

from storage.models import Role
from web.auth import actor, role_required
from web.forms import NOT_DONE, Form, LongText, show, submit
from workflows import agenda

bp = Blueprint("agenda", __name__)


class AgendaItemForm(Form):
    text = LongText("What would you like to discuss?", max_length=500,
                    description="One item at a time. Your supervisor sees it on the agenda of your next supervision "
                                "record. Use case-system IDs and initials, never names.")


class RemoveForm(Form):
    item = HiddenField()


@bp.route("/agenda", methods=["GET", "POST"])
@role_required(Role.SUPERVISEE)
def mine():
    """My next supervision's agenda: the items I have added so far, and adding another."""
    form = AgendaItemForm()
    added = submit(form, lambda: agenda.add_item(g.user.id, form.text.data, actor()))
    if added is NOT_DONE:
        return show("agenda/mine.html", form, items=agenda.open_items(g.user.id), remove=RemoveForm())
    flash("Added to the agenda of your next supervision.", "success")
    return redirect(url_for("agenda.mine"))


@bp.post("/agenda/<int:item_id>/remove")
@role_required(Role.SUPERVISEE)
def remove(item_id: int):
    """Take back an item I added, before my supervisor has started the record."""
    form = RemoveForm()
    if submit(form, lambda: agenda.remove_item(item_id, actor())) is NOT_DONE:
        flash(" ".join(item["text"] for item in form.error_list))
    else:
        flash("Removed from the agenda.", "success")
    return redirect(url_for("agenda.mine"))
