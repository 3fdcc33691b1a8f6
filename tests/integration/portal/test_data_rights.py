"""A help centre customer downloads their data and deletes their account (by mailed link)."""

from __future__ import annotations

import json
import re

from flask import Flask
from sqlalchemy import func, select

from crm_core.customers import Customer, find_identity
from servicedesk.container import Container
from servicedesk.desk.models import Message, ServiceRequest
from tests.fixtures.smtp import Sink
from tests.integration.portal.conftest import mail_in, sign_in
from tests.integration.web.conftest import csrf_token

DELETE_LINK = re.compile(r"http://[^\s]+(/help/account/delete/[A-Za-z0-9_.\-]+)")


def test_download_my_data_has_my_requests_only(
    app: Flask, container: Container, smtp_sink: tuple[Sink, int]
) -> None:
    mail_in(container, "maria@customer.example", "Broken lamp")
    mail_in(container, "tom@other.example", "Tom's invoice")
    client = app.test_client()
    sign_in(client, smtp_sink[0], "maria@customer.example")
    token = csrf_token(client.get("/help/account").get_data(as_text=True))
    response = client.post("/help/account/export", data={"csrf_token": token})
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert "Broken lamp" in text and "Tom's invoice" not in text
    assert json.loads(text)["customers"], "one customer record exported"


def test_delete_my_account_needs_the_mailed_link_then_erases(
    app: Flask, container: Container, smtp_sink: tuple[Sink, int]
) -> None:
    sink, _ = smtp_sink
    request_id = mail_in(container, "maria@customer.example", "Broken lamp")
    client = app.test_client()
    sign_in(client, sink, "maria@customer.example")
    token = csrf_token(client.get("/help/account").get_data(as_text=True))
    asked = client.post("/help/account/delete", data={"csrf_token": token})
    assert "We mailed a confirmation link" in asked.get_data(as_text=True)
    with container.uow() as uow:  # nothing erased yet
        assert find_identity(uow.session, "email", "maria@customer.example") is not None
    link = DELETE_LINK.search(sink.mails[-1].get_payload(decode=True).decode())
    assert link
    landing = client.get(link.group(1)).get_data(as_text=True)
    done = client.post(link.group(1), data={"csrf_token": csrf_token(landing)})
    assert "Your account and data are deleted" in done.get_data(as_text=True)
    assert client.get("/help/requests").status_code == 302  # signed out
    with container.uow() as uow:
        assert find_identity(uow.session, "email", "maria@customer.example") is None
        assert uow.session.scalar(select(func.count(ServiceRequest.id))) == 1  # still counted
        texts = uow.session.scalars(select(Message.text).where(Message.request_id == request_id))
        assert all("Broken lamp" not in t for t in texts)
        names = uow.session.scalars(select(Customer.name)).all()
        assert all("maria" not in n.lower() for n in names)
    again = client.post(link.group(1), data={"csrf_token": csrf_token(landing)})
    assert again.status_code == 400
