"""Thin views over channels.email: mailboxes, quarantine and its replay."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import Session

from channels.email import quarantine
from channels.email.intake import replay_quarantined
from channels.email.mailboxes import list_mailboxes, save_mailbox
from channels.email.models import ENV_MAILBOX_NAME, Mailbox
from crm_core.audit import audited
from servicedesk.current import container_of
from servicedesk.desk.models import Team
from servicedesk.web.ids import parse_id
from servicedesk.web.mail.blueprint import mail
from servicedesk.web.mail.forms import MailboxForm
from servicedesk.web.viewing import current_viewer

PAGE_SIZE = 50
MAX_PAGE = 100_000  # keeps OFFSET within what every database accepts


@mail.get("/mailboxes")
def mailboxes() -> ResponseReturnValue:
    with container_of().uow() as uow:
        teams = _teams(uow.session)
        return render_template(
            "mail/mailboxes.html",
            mailboxes=list_mailboxes(uow.session),
            team_names=dict(teams),
            env_name=ENV_MAILBOX_NAME,
        )


@mail.route("/mailboxes/new", methods=["GET", "POST"])
def new_mailbox() -> ResponseReturnValue:
    return _mailbox_page(None)


@mail.route("/mailboxes/<int:mailbox_id>/edit", methods=["GET", "POST"])
def edit_mailbox(mailbox_id: int) -> ResponseReturnValue:
    return _mailbox_page(mailbox_id)


def _mailbox_page(mailbox_id: int | None) -> ResponseReturnValue:
    container = container_of()
    with container.uow() as uow:
        mailbox = uow.session.get(Mailbox, mailbox_id) if mailbox_id is not None else None
        if mailbox_id is not None and mailbox is None:
            abort(404)
        if mailbox is not None and mailbox.name == ENV_MAILBOX_NAME:
            flash("This mailbox comes from SERVICEDESK_MAIL_IMAP_URL; change it there.", "error")
            return redirect(url_for("mail.mailboxes"))
        showing = mailbox is not None and request.method == "GET"
        form = MailboxForm.of(mailbox) if showing and mailbox else MailboxForm()
        form.set_teams(_teams(uow.session))
        if form.validate_on_submit() and _form_is_consistent(uow.session, form, mailbox):
            with audited(uow.session, current_viewer(uow.session)):
                saved = save_mailbox(
                    uow.session, container.config.secret_key, form.to_settings(), mailbox_id
                )
            uow.commit()
            flash(f"Mailbox {saved.name} saved.", "ok")
            return redirect(url_for("mail.mailboxes"))
        status = 400 if form.errors else 200
        return render_template("mail/mailbox_form.html", form=form, mailbox=mailbox), status


def _form_is_consistent(session: Session, form: MailboxForm, mailbox: Mailbox | None) -> bool:
    """Checks that need the database: a unique name, a password for a new mailbox."""
    name = form.name.data.strip()
    taken = session.scalars(select(Mailbox.id).where(Mailbox.name == name)).first()
    if name == ENV_MAILBOX_NAME or (taken is not None and (mailbox is None or taken != mailbox.id)):
        form.name.errors.append("already used by another mailbox")
    if mailbox is None and not form.password.data:
        form.password.errors.append("a new mailbox needs a password")
    return not form.errors


def _teams(session: Session) -> list[tuple[int, str]]:
    return [(t.id, t.name) for t in session.scalars(select(Team).order_by(Team.name))]


@mail.get("/quarantine")
def quarantine_list() -> ResponseReturnValue:
    pending = request.args.get("pending") == "1"
    page = min(parse_id(request.args.get("page")) or 1, MAX_PAGE)
    with container_of().uow() as uow:
        entries, total = quarantine.list_quarantine(
            uow.session, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, pending_only=pending
        )
    return render_template(
        "mail/quarantine.html",
        entries=entries,
        total=total,
        page=page,
        pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        pending=pending,
    )


@mail.get("/quarantine/<int:quarantine_id>")
def quarantined(quarantine_id: int) -> ResponseReturnValue:
    with container_of().uow() as uow:
        detail = quarantine.quarantine_detail(uow.session, quarantine_id)
    if detail is None:
        abort(404)
    return render_template("mail/quarantined.html", detail=detail, replay_form=FlaskForm())


@mail.get("/quarantine/<int:quarantine_id>/raw")
def quarantined_raw(quarantine_id: int) -> ResponseReturnValue:
    with container_of().uow() as uow:
        raw = quarantine.quarantined_raw(uow.session, quarantine_id)
    if raw is None:
        abort(404)
    return Response(
        raw,
        mimetype="message/rfc822",
        headers={"Content-Disposition": f'attachment; filename="quarantine-{quarantine_id}.eml"'},
    )


@mail.post("/quarantine/<int:quarantine_id>/replay")
def replay(quarantine_id: int) -> ResponseReturnValue:
    # CSRFProtect has checked the token before this view runs.
    container = container_of()
    intake = container.mail_intake()
    with container.uow() as uow:
        try:
            result = replay_quarantined(uow, quarantine_id, intake)
        except LookupError:
            abort(404)
        uow.commit()
    where = f" as {result.reference}" if result.reference else ""
    why = f": {result.reason}" if result.reason else ""
    flash(
        f"Replayed: {result.outcome}{where}{why}",
        "error" if result.outcome == "quarantined" else "ok",
    )
    return redirect(url_for("mail.quarantined", quarantine_id=quarantine_id))
