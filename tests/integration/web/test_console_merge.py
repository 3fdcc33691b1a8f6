"""The console's merge form asks before merging requests of two customers."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from channels.messages import InboundMessage, Sender
from servicedesk.current import container_of
from servicedesk.desk.models import ServiceRequest
from servicedesk.desk.operations import receive_inbound
from tests.integration.web.conftest import csrf_token


def _request_from(app: Flask, address: str, name: str) -> tuple[int, str]:
    message = InboundMessage(
        channel="email",
        external_id=f"{address}-1",
        sender=Sender("email", address, name),
        subject=f"Question from {name}",
        text="Hello",
    )
    with container_of(app).uow() as uow:
        result = receive_inbound(uow, message)
        uow.commit()
    return result.request_id, result.reference


def _merged_into(app: Flask, request_id: int) -> int | None:
    with container_of(app).uow() as uow:
        found = uow.session.get(ServiceRequest, request_id)
        assert found is not None
        return found.merged_into_id


def test_merge_across_customers_shows_a_confirmation_naming_both(
    app: Flask, agent_client: FlaskClient
) -> None:
    tom_id, _ = _request_from(app, "tom@example.com", "Tom Tucker")
    maria_id, maria_ref = _request_from(app, "maria@example.com", "Maria Silva")
    token = csrf_token(agent_client.get(f"/console/requests/{tom_id}").get_data(as_text=True))
    asked = agent_client.post(
        f"/console/requests/{tom_id}/merge", data={"target": maria_ref, "csrf_token": token}
    )
    assert asked.status_code == 409
    page = asked.get_data(as_text=True)
    assert "Tom Tucker &lt;tom@example.com&gt;" in page
    assert "Maria Silva &lt;maria@example.com&gt;" in page
    assert _merged_into(app, tom_id) is None
    confirmed = agent_client.post(
        f"/console/requests/{tom_id}/merge",
        data={"target": maria_ref, "confirm_customers": "yes", "csrf_token": csrf_token(page)},
    )
    assert confirmed.status_code == 302
    assert _merged_into(app, tom_id) == maria_id


def test_merge_of_one_customers_requests_needs_no_confirmation(
    app: Flask, agent_client: FlaskClient
) -> None:
    first, _ = _request_from(app, "ann@example.com", "Ann")
    with container_of(app).uow() as uow:
        again = InboundMessage(
            channel="email",
            external_id="ann-2",
            sender=Sender("email", "ann@example.com"),
            subject="Another",
            text="Hi",
        )
        second = receive_inbound(uow, again)
        uow.commit()
    token = csrf_token(agent_client.get(f"/console/requests/{first}").get_data(as_text=True))
    response = agent_client.post(
        f"/console/requests/{first}/merge", data={"target": second.reference, "csrf_token": token}
    )
    assert response.status_code == 302
    assert _merged_into(app, first) == second.request_id
