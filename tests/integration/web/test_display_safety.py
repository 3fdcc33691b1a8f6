"""Spoofing by bidi overrides in subjects and file names; HSTS behind HTTPS."""

from __future__ import annotations

from dataclasses import replace

from flask import Flask
from flask.testing import FlaskClient

from channels.messages import AttachmentData, InboundMessage, Sender
from servicedesk.app import create_app
from servicedesk.container import Container
from servicedesk.current import container_of
from servicedesk.desk.display import neutralise_bidi
from servicedesk.desk.operations import receive_inbound

RLO = "\u202e"


def test_neutralise_bidi_drops_overrides_and_keeps_right_to_left_text() -> None:
    assert neutralise_bidi(f"invoice{RLO}fdp.exe") == "invoicefdp.exe"
    assert neutralise_bidi("\u2067x\u2069 \u202ay\u202c") == "x y"
    assert neutralise_bidi("שלום عربي") == "שלום عربي"
    assert neutralise_bidi(None) == ""


def test_spoofed_subjects_and_file_names_show_in_their_real_order(
    app: Flask, agent_client: FlaskClient
) -> None:
    message = InboundMessage(
        channel="email",
        external_id="spoof-1",
        sender=Sender("email", "eve@example.com"),
        subject=f"Refund {RLO}gnp.exe",
        text="see attached",
        attachments=(AttachmentData(f"photo{RLO}gnp.exe", "application/octet-stream", b"MZ"),),
    )
    container = container_of(app)
    with container.uow() as uow:
        result = receive_inbound(uow, message, attachments=container.attachments)
        uow.commit()
    for page in ("/console", f"/console/requests/{result.request_id}"):
        html = agent_client.get(page).get_data(as_text=True)
        assert RLO not in html, page
    html = agent_client.get(f"/console/requests/{result.request_id}").get_data(as_text=True)
    assert "Refund gnp.exe" in html
    assert "photognp.exe" in html


def test_no_hsts_over_plain_http(agent_client: FlaskClient) -> None:
    assert "Strict-Transport-Security" not in agent_client.get("/login").headers


def test_hsts_when_the_settings_say_https(container: Container) -> None:
    secure = replace(container, config=replace(container.config, hsts_seconds=31536000))
    response = create_app(container=secure).test_client().get("/login")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
