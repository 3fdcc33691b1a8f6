"""Rating a solved request: from the help centre's request page or the link in our mail.

Both end in `feedback.rate_request`, the desk's one rating rule (solved only, one answer,
changeable for seven days), on the scale the settings choose.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm

from channels.text import is_storable
from servicedesk.current import container_of
from servicedesk.desk.customer_accounts import find_visible_request
from servicedesk.desk.errors import InvalidChange, NotFound
from servicedesk.desk.feedback import SCALES, rate_request, request_rating
from servicedesk.desk.models import ServiceRequest
from servicedesk.desk.satisfaction import read_rating_token
from servicedesk.extensions import limiter
from servicedesk.web.portal.blueprint import portal
from servicedesk.web.portal.session import customer_required, signed_in_user

COMMENT_MAX = 2000
TOKEN_MAX = 300


def _answer() -> tuple[str, str | None]:
    rating = request.form.get("rating", "")
    comment = (request.form.get("comment") or "").strip()[:COMMENT_MAX] or None
    if comment is not None and not is_storable(comment):
        raise InvalidChange("comment: not valid Unicode text")
    return rating, comment


@portal.post("/requests/<int:request_id>/rate")
@customer_required
@limiter.limit("20 per minute")
def rate_from_portal(request_id: int) -> ResponseReturnValue:
    user = signed_in_user()
    container = container_of()
    with container.uow() as uow:
        try:
            find_visible_request(uow.session, user, request_id)
            rating, comment = _answer()
            rate_request(
                uow,
                request_id,
                rating,
                comment,
                "portal",
                rater=str(user.customer_id),
                scale=container.config.rating_scale,
            )
        except NotFound:
            abort(404)
        except InvalidChange as error:
            flash(str(error), "error")
            return redirect(url_for("portal.request_page", request_id=request_id))
        uow.commit()
    flash("Thank you for your rating.", "ok")
    return redirect(url_for("portal.request_page", request_id=request_id))


@portal.route("/rate/<token>", methods=["GET", "POST"])
@limiter.limit("30 per hour", methods=["POST"])
def rate_from_mail(token: str) -> ResponseReturnValue:
    """The page our "how did we do?" mail links to; no sign-in needed."""
    container = container_of()
    request_id = read_rating_token(container.config.secret_key, token[:TOKEN_MAX])
    form = FlaskForm()
    with container.uow() as uow:
        found = uow.session.get(ServiceRequest, request_id) if request_id else None
        if found is None:
            abort(404)
        context = {"sr": found, "form": form, "scale": container.config.rating_scale}
        if not form.validate_on_submit():
            rating = request_rating(uow.session, found.id)
            return render_template("portal/rate.html", rating=rating, **context)
        try:
            rating_text, comment = _answer()
            stored = rate_request(
                uow,
                found.id,
                rating_text,
                comment,
                "email",
                rater=found.customer.email,
                scale=container.config.rating_scale,
            )
        except InvalidChange as error:
            return render_template(
                "portal/rate.html", error=str(error), rating=None, **context
            ), 400
        uow.commit()
        return render_template("portal/rate.html", rating=stored, thanked=True, **context)


def scale_choices(scale: str) -> list[tuple[str, str]]:
    """The buttons of a rating form: (value, label)."""
    if scale == "good_bad":
        return [("good", "Good, I'm satisfied"), ("bad", "Bad, I'm unsatisfied")]
    return [(value, value) for value in SCALES[scale]]


portal.add_app_template_global(scale_choices, "rating_choices")
