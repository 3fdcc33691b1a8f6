"""The embeddable lead form's endpoint, its script and the page that shows the snippet.

Why no CSRF token: the form is posted from the customer's own web site, which cannot
hold a token our session issued (and visitors have no session with us). CSRF protects
a signed-in user's authority; this endpoint has none to abuse, since anyone may submit
a lead. What it must resist is spam and abuse, so instead it has:
- an origin check: a browser always sends `Origin` on a cross-site POST, and only the
  desk itself and the configured widget origins (SERVICEDESK_WIDGET_ORIGINS) are
  accepted; other sites get 403 (scripts can forge the header, so this stops other web
  pages, not bots);
- a honeypot: a field hidden from people that bots fill in; such a submission is
  answered like a success and dropped, so the bot learns nothing;
- a rate limit per client address (Flask-Limiter).
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, jsonify, render_template, request, send_file
from flask.typing import ResponseReturnValue
from flask_login import login_required

from crm_core.sales.capture import LeadInvalid, capture_lead
from servicedesk.current import container_of
from servicedesk.extensions import csrf, limiter
from servicedesk.paths import STATIC
from servicedesk.web.ids import parse_id
from servicedesk.web.lead_forms.blueprint import lead_forms
from servicedesk.web.sales.lead_support import lead_context

HONEYPOT = "website"
FIELDS = ("name", "email", "company", "title", "phone", "industry", "company_size", "country")
SUBMIT_LIMIT = "5 per minute;30 per hour"
THANKS = "Thank you, we will be in touch."


def _allowed_origins() -> tuple[str, ...]:
    config = container_of().config
    return (config.base_url, *config.widget_origins)


@lead_forms.after_request
def _allow_form_origins(response: Response) -> Response:
    origin = request.headers.get("Origin")
    if origin and origin in _allowed_origins():
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Headers"] = "Content-Type, Accept"
        response.headers["Access-Control-Allow-Methods"] = "POST"
        response.headers["Vary"] = "Origin"
    return response


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return request.is_json or best == "application/json"


def _answer(status: int, errors: dict[str, str] | None = None) -> ResponseReturnValue:
    if _wants_json():
        body: dict[str, Any] = {"ok": not errors}
        if errors:
            body["errors"] = errors
        else:
            body["message"] = THANKS
        return jsonify(body), status
    page = render_template("lead_forms/result.html", errors=errors or {}, thanks=THANKS)
    return page, status


@lead_forms.route("/forms/lead", methods=["POST", "OPTIONS"])
@csrf.exempt  # type: ignore[misc]
@limiter.limit(SUBMIT_LIMIT, methods=["POST"])
def submit() -> ResponseReturnValue:
    """Capture a lead from a web form; each wrong field is named in the answer."""
    if request.method == "OPTIONS":
        return Response(status=204)
    origin = request.headers.get("Origin")
    if origin and origin not in _allowed_origins():
        abort(403)
    data = request.get_json(silent=True) if request.is_json else request.form
    if not hasattr(data, "get"):
        return _answer(400, {"form": "send the fields as a form or a JSON object"})
    if str(data.get(HONEYPOT) or "").strip():
        return _answer(201)  # a bot: answered like anyone, kept nowhere
    values = {name: str(data.get(name) or "")[:1000] for name in FIELDS}
    campaign = str(data.get("campaign_id") or "")
    campaign_id = parse_id(campaign)
    if campaign and campaign_id is None:
        return _answer(422, {"campaign_id": "not a campaign number"})
    with container_of().uow() as uow:
        try:
            capture_lead(
                uow.session,
                name=values.pop("name"),
                email=values.pop("email"),
                company=values.pop("company"),
                source="form",
                campaign_id=campaign_id,
                details=values,
                context=lead_context(uow.session),
            )
        except LeadInvalid as invalid:
            return _answer(422, invalid.errors)
        uow.commit()
    return _answer(201)


@lead_forms.get("/forms/lead.js")
def script() -> ResponseReturnValue:
    """The script a site embeds to post its lead form and show each field's error."""
    response = send_file(STATIC / "lead_form.js", mimetype="text/javascript", max_age=300)
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@lead_forms.get("/forms/lead/embed")
@login_required  # type: ignore[misc]
def embed_help() -> ResponseReturnValue:
    """The snippet to paste into a web site, with this desk's address filled in."""
    config = container_of().config
    return render_template(
        "lead_forms/embed.html", base_url=config.base_url, origins=config.widget_origins
    )
