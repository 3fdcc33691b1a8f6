"""Customer accounts in the help centre: magic links, my requests, and who sees what.

Another customer's request or file is a 404, never a leak; an organisation manager sees
the organisation's requests and not another's.
"""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from crm_core.customers import Customer, Organization, find_identity
from crm_core.db import utcnow
from crm_core.portal_accounts import PortalAccount
from knowledge.models import Category
from servicedesk.container import Container
from servicedesk.desk.models import Direction, Message, ServiceRequest, Status
from servicedesk.desk.operations import add_note, post_reply
from tests.fixtures.smtp import Sink
from tests.integration.portal.conftest import LINK, mail_in, sign_in
from tests.integration.web.conftest import csrf_token


def test_magic_link_signs_in_once_and_shows_own_requests(
    app: Flask, container: Container, smtp_sink: tuple[Sink, int]
) -> None:
    sink, _ = smtp_sink
    mine = mail_in(container, "maria@customer.example", "Broken lamp")
    mail_in(container, "tom@other.example", "Tom's invoice")
    client = app.test_client()
    assert client.get("/help/requests").status_code == 302  # not signed in yet
    sign_in(client, sink, "Maria@Customer.example")
    page = client.get("/help/requests").get_data(as_text=True)
    assert "Broken lamp" in page and "Tom&#39;s invoice" not in page
    assert client.get(f"/help/requests/{mine}").status_code == 200
    # The same link a second time does not sign anyone in.
    token = LINK.search(sink.mails[-1].get_payload(decode=True).decode())
    assert token
    other = app.test_client()
    landing = other.get(f"/help/sign-in/{token.group(1)}").get_data(as_text=True)
    again = other.post(f"/help/sign-in/{token.group(1)}", data={"csrf_token": csrf_token(landing)})
    assert again.status_code == 400 and "already used" in again.get_data(as_text=True)
    assert other.get("/help/requests").status_code == 302


def test_same_answer_for_known_and_unknown_addresses(
    app: Flask, container: Container, smtp_sink: tuple[Sink, int]
) -> None:
    mail_in(container, "maria@customer.example", "Broken lamp")
    client = app.test_client()
    pages = []
    for address in ("maria@customer.example", "nobody@nowhere.example"):
        form = client.get("/help/sign-in").get_data(as_text=True)
        response = client.post(
            "/help/sign-in", data={"email": address, "csrf_token": csrf_token(form)}
        )
        assert response.status_code == 200
        pages.append(response.get_data(as_text=True).replace(address, "ADDRESS"))
    assert pages[0] == pages[1]
    assert len(smtp_sink[0].mails) == 2


def test_new_address_becomes_an_account_with_its_first_request(
    app: Flask, container: Container, smtp_sink: tuple[Sink, int]
) -> None:
    client = app.test_client()
    sign_in(client, smtp_sink[0], "new@shop.example")
    page = client.get("/help/requests/new").get_data(as_text=True)
    token = re.search(r'id="token" name="token" type="hidden" value="([^"]+)"', page)
    assert token
    data = {
        "csrf_token": csrf_token(page),
        "token": token.group(1),
        "subject": "Where is my parcel?",
        "message": "Ordered last week.",
    }
    assert client.post("/help/requests/new", data=data).status_code == 302
    assert client.post("/help/requests/new", data=data).status_code == 302  # resubmitted
    with container.uow() as uow:
        identity = find_identity(uow.session, "email", "new@shop.example")
        assert identity is not None
        requests = list(uow.session.scalars(select(ServiceRequest)))
        assert [(r.subject, r.customer_id) for r in requests] == [
            ("Where is my parcel?", identity.customer_id)
        ]


def test_a_new_request_takes_the_category_the_customer_chose(
    app: Flask, container: Container, smtp_sink: tuple[Sink, int]
) -> None:
    with container.uow() as uow:
        uow.session.add(Category(name="Billing"))
        uow.commit()
    client = app.test_client()
    sign_in(client, smtp_sink[0], "new@shop.example")
    page = client.get("/help/requests/new").get_data(as_text=True)
    assert '<option value="Billing">Billing</option>' in page
    token = re.search(r'id="token" name="token" type="hidden" value="([^"]+)"', page)
    assert token
    data = {
        "csrf_token": csrf_token(page),
        "token": token.group(1),
        "subject": "Charged twice",
        "message": "Invoice 7.",
        "category": "Billing",
    }
    assert client.post("/help/requests/new", data=data).status_code == 302
    wrong = {**data, "token": token.group(1) + "x", "category": "Nonsense"}
    assert client.post("/help/requests/new", data=wrong).status_code == 400
    with container.uow() as uow:
        assert uow.session.scalars(select(ServiceRequest.category)).all() == ["Billing"]


def test_other_customers_request_and_file_are_404_and_notes_stay_internal(
    app: Flask, container: Container, smtp_sink: tuple[Sink, int]
) -> None:
    mine = mail_in(container, "maria@customer.example", "Broken lamp")
    theirs = mail_in(container, "tom@other.example", "Tom's invoice", file=True)
    with container.uow() as uow:
        agent_id = uow.session.scalars(select(Message.author_id)).first() or 1
        add_note(uow, mine, agent_id, "internal: customer sounds angry")
        uow.commit()
        file_id = uow.session.execute(
            select(Message.id).where(Message.request_id == theirs)
        ).scalar_one()
    client = app.test_client()
    sign_in(client, smtp_sink[0], "maria@customer.example")
    assert "internal: customer sounds angry" not in client.get(f"/help/requests/{mine}").get_data(
        as_text=True
    )
    assert client.get(f"/help/requests/{theirs}").status_code == 404
    assert client.get(f"/help/requests/{theirs}/attachments/1").status_code == 404
    assert client.get(f"/help/requests/{mine}/attachments/1").status_code == 404
    assert client.get("/help/requests/99999999999").status_code == 404
    assert file_id


def test_reply_appends_and_forged_request_id_never_reaches_another_customer(
    app: Flask, container: Container, smtp_sink: tuple[Sink, int]
) -> None:
    mine = mail_in(container, "maria@customer.example", "Broken lamp")
    theirs = mail_in(container, "tom@other.example", "Tom's invoice")
    client = app.test_client()
    sign_in(client, smtp_sink[0], "maria@customer.example")
    page = client.get(f"/help/requests/{mine}").get_data(as_text=True)
    token = re.search(r'id="token" name="token" type="hidden" value="([^"]+)"', page)
    assert token
    data = {"csrf_token": csrf_token(page), "token": token.group(1), "message": "Still broken."}
    assert client.post(f"/help/requests/{mine}/reply", data=data).status_code == 302
    assert client.post(f"/help/requests/{theirs}/reply", data=data).status_code == 404
    with container.uow() as uow:
        texts = uow.session.scalars(select(Message.text).where(Message.request_id == theirs)).all()
        assert texts == ["About Tom's invoice."]
        mine_texts = uow.session.scalars(
            select(Message.text).where(Message.request_id == mine).order_by(Message.id)
        ).all()
        assert mine_texts == ["About Broken lamp.", "Still broken."]


def test_organisation_manager_sees_the_organisation_and_no_other(
    app: Flask, container: Container, smtp_sink: tuple[Sink, int]
) -> None:
    maria = mail_in(container, "maria@acme.example", "Acme printer")
    colleague = mail_in(container, "li@acme.example", "Acme invoices")
    stranger = mail_in(container, "tom@other.example", "Other company")
    with container.uow() as uow:
        acme = Organization(name="Acme")
        uow.session.add(acme)
        for address in ("maria@acme.example", "li@acme.example"):
            identity = find_identity(uow.session, "email", address)
            assert identity is not None
            identity.customer.organization = acme
        uow.commit()
    client = app.test_client()
    sign_in(client, smtp_sink[0], "maria@acme.example")
    assert client.get(f"/help/requests/{colleague}").status_code == 404  # not a manager yet
    with container.uow() as uow:
        maria_id = uow.session.scalars(
            select(Customer.id).where(Customer.email == "maria@acme.example")
        ).one()
        account = uow.session.get(PortalAccount, maria_id)
        assert account is not None
        account.manages_organisation = True
        uow.commit()
    listing = client.get("/help/requests").get_data(as_text=True)
    assert "Acme printer" in listing and "Acme invoices" in listing
    assert "Other company" not in listing
    assert client.get(f"/help/requests/{colleague}").status_code == 200
    assert client.get(f"/help/requests/{stranger}").status_code == 404
    assert maria


def test_solve_then_reopen_within_the_window_only(
    app: Flask, container: Container, smtp_sink: tuple[Sink, int]
) -> None:
    mine = mail_in(container, "maria@customer.example", "Broken lamp")
    client = app.test_client()
    sign_in(client, smtp_sink[0], "maria@customer.example")
    page = client.get(f"/help/requests/{mine}").get_data(as_text=True)
    form = {"csrf_token": csrf_token(page)}
    client.post(f"/help/requests/{mine}/solve", data=form)
    with container.uow() as uow:
        found = uow.session.get(ServiceRequest, mine)
        assert found is not None and found.status == Status.SOLVED
    client.post(f"/help/requests/{mine}/reopen", data=form)
    with container.uow() as uow:
        found = uow.session.get(ServiceRequest, mine)
        assert found is not None and found.status == Status.OPEN
        found.status, found.solved_at = Status.SOLVED, utcnow() - timedelta(days=8)
        uow.commit()
    response = client.post(f"/help/requests/{mine}/reopen", data=form, follow_redirects=True)
    assert "solved too long ago" in response.get_data(as_text=True)


def test_sign_out_everywhere_ends_a_copied_session(
    app: Flask, container: Container, smtp_sink: tuple[Sink, int]
) -> None:
    mail_in(container, "maria@customer.example", "Broken lamp")
    client = app.test_client()
    sign_in(client, smtp_sink[0], "maria@customer.example")
    cookie = client.get_cookie("session")
    assert cookie is not None
    copied = app.test_client()
    copied.set_cookie("session", cookie.value)
    assert copied.get("/help/requests").status_code == 200
    page = client.get("/help/requests").get_data(as_text=True)
    client.post("/help/sign-out-everywhere", data={"csrf_token": csrf_token(page)})
    assert copied.get("/help/requests").status_code == 302


def test_password_sign_in_after_setting_one(
    app: Flask, container: Container, smtp_sink: tuple[Sink, int]
) -> None:
    mail_in(container, "maria@customer.example", "Broken lamp")
    client = app.test_client()
    sign_in(client, smtp_sink[0], "maria@customer.example")
    page = client.get("/help/account/password").get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "new": "lamp-lamp-42", "repeat": "lamp-lamp-42"}
    assert client.post("/help/account/password", data=data).status_code == 302
    fresh = app.test_client()
    form = fresh.get("/help/sign-in").get_data(as_text=True)
    wrong = fresh.post(
        "/help/sign-in",
        data={
            "email": "maria@customer.example",
            "password": "nope-nope",
            "csrf_token": csrf_token(form),
        },
    )
    assert wrong.status_code == 401
    right = fresh.post(
        "/help/sign-in",
        data={
            "email": "maria@customer.example",
            "password": "lamp-lamp-42",
            "csrf_token": csrf_token(form),
        },
    )
    assert right.status_code == 302
    assert fresh.get("/help/requests").status_code == 200


def test_agent_reply_is_visible_in_the_portal(
    app: Flask, container: Container, smtp_sink: tuple[Sink, int]
) -> None:
    mine = mail_in(container, "maria@customer.example", "Broken lamp")
    with container.uow() as uow:
        post_reply(uow, mine, 1, "We sent a new lamp.")
        uow.commit()
    client = app.test_client()
    sign_in(client, smtp_sink[0], "maria@customer.example")
    page = client.get(f"/help/requests/{mine}").get_data(as_text=True)
    assert "We sent a new lamp." in page
    reply = next(m for m in smtp_sink[0].mails if "[SR-" in str(m["Subject"]))
    plain = next(p for p in reply.walk() if p.get_content_type() == "text/plain")
    text = plain.get_payload(decode=True).decode()
    assert f"/help/requests/{mine}" in text, "the mail links back to the request"
    with container.uow() as uow:
        kinds = uow.session.scalars(select(Message.direction).where(Message.request_id == mine))
        assert Direction.OUTBOUND in set(kinds)
