"""A supervisee's own reflections: writing and changing them, and whether each is in their portfolio."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, flash, g, redirect, url_for

from storage.models import Reflection, Role
from web.auth import actor, role_required
from web.forms import NOT_DONE, DateInput, Form, LongText, Text, YesNo, show, submit
from workflows import reflections

bp = Blueprint("reflections", __name__)


class ReflectionForm(Form):
    written_on = DateInput("Date")
    title = Text("Title", max_length=Reflection.MAX_TITLE,
                 description="What it is about: a supervision, a course, a piece of reading, a case (by ID and initials "
                             "only, never a name).")
    text = LongText("Your reflection", max_length=Reflection.MAX_TEXT,
                    description="What happened, what you learnt, and what you will do differently.")
    in_portfolio = YesNo("Include it in my portfolio",
                         description="Only you see your reflections. Those you include go into your portfolio's PDF "
                                     "and ZIP, for registration renewal with Social Work England.")


@bp.route("/reflections", methods=["GET", "POST"])
@role_required(Role.SUPERVISEE)
def mine():
    """My reflections, and writing another."""
    form = ReflectionForm(data={"written_on": dt.date.today()})
    written = submit(form, lambda: reflections.write_reflection(g.user.id, form.data, actor()))
    if written is NOT_DONE:
        return show("reflections/mine.html", form, reflections=reflections.reflections_of(g.user.id))
    flash("Reflection kept." + (" It is in your portfolio." if written.in_portfolio else " Only you can see it."),
          "success")
    return redirect(url_for("reflections.mine"))


@bp.route("/reflections/<int:reflection_id>", methods=["GET", "POST"])
@role_required(Role.SUPERVISEE)
def change(reflection_id: int):
    """Change one of my reflections, or whether it is in my portfolio."""
    reflection = reflections.reflection_for(reflection_id, g.user.id)
    form = ReflectionForm(obj=reflection)
    if submit(form, lambda: reflections.change_reflection(reflection.id, g.user.id, form.data, actor())) is NOT_DONE:
        return show("reflections/change.html", form, reflection=reflection)
    flash("Reflection changed.", "success")
    return redirect(url_for("reflections.mine"))
