"""Slash commands, buttons and modals, posted as Slack posts them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from crm_core.customers import Customer, link_identity
from crm_core.orders.models import Order
from crm_core.sales.models import Lead, Opportunity, Pipeline, PipelineStage, ScoringRule
from knowledge.embedding import MiniLMEmbedder
from knowledge.importing import import_articles
from knowledge.models import SearchLog
from servicedesk.container import Container
from servicedesk.desk.models import Agent, Direction, ServiceRequest, Status
from servicedesk.desk.operations import add_note
from tests.factories import make_agent, make_team
from tests.fixtures.slack_stub import SlackStub
from tests.integration.slack.conftest import (
    block_action,
    message_event,
    send_command,
    send_event,
    send_interaction,
    view_submission,
)

TOP = "1700002000.000100"
# Commands read and write through the same operations the console uses (tested on both
# databases there and in this package's event tests): SQLite keeps this module quick.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def open_request(client: FlaskClient, container: Container) -> tuple[int, str]:
    send_event(client, message_event("Cannot export invoices", ts=TOP))
    with container.uow() as uow:
        request = uow.session.scalars(select(ServiceRequest)).one()
        agent = uow.session.scalars(select(Agent)).one()
        add_note(uow, request.id, agent.id, "SECRET internal remark")
        uow.commit()
        return request.id, request.reference


def test_a_slack_user_who_is_not_a_desk_user_is_refused(
    client: FlaskClient, container: Container, stub: SlackStub
) -> None:
    _, reference = open_request(client, container)
    for command, text in (
        ("/ticket", reference),
        ("/kb", "refund"),
        ("/customer", "Maria"),
        ("/lead", "a b@c.d"),
    ):
        answer = send_command(client, stub, command, text, user="UOUTSIDER").get_json()
        assert "not linked to a desk account" in answer["text"], command
        assert answer["response_type"] == "ephemeral"


def test_a_guest_from_another_workspace_with_an_agents_email_is_refused(
    client: FlaskClient, stub: SlackStub
) -> None:
    # In a shared channel the payload may name the guest's own workspace: not trusted.
    answer = send_command(client, stub, "/ticket", "SR-1001", user="UGUEST", team="T0OTHER")
    assert "not linked to a desk account" in answer.get_json()["text"]
    with_ours = send_command(client, stub, "/ticket", "SR-1001", user="UGUEST").get_json()
    assert "not linked to a desk account" in with_ours["text"]


def test_ticket_shows_the_request_without_internal_notes(
    client: FlaskClient, container: Container, stub: SlackStub
) -> None:
    request_id, reference = open_request(client, container)
    answer = send_command(client, stub, "/ticket", reference.lower()).get_json()
    shown = str(answer["blocks"])
    assert answer["response_type"] == "ephemeral"
    assert reference in shown and "new" in shown and "normal" in shown and "nobody" in shown
    assert "Cannot export invoices" in shown and "SECRET" not in shown
    assert f"http://desk.example/console/requests/{request_id}" in shown
    buttons = [e["action_id"] for e in answer["blocks"][-1]["elements"]]
    assert buttons == ["ticket_assign_me", "ticket_solve", "ticket_reply"]
    assert "Usage" in send_command(client, stub, "/ticket", "please").get_json()["text"]
    assert (
        "no request SR-9999" in send_command(client, stub, "/ticket", "SR-9999").get_json()["text"]
    )


def test_the_buttons_assign_solve_and_reply_in_the_thread(
    client: FlaskClient, container: Container, stub: SlackStub
) -> None:
    request_id, reference = open_request(client, container)
    send_interaction(client, block_action(stub, "ticket_assign_me", str(request_id)))
    send_interaction(client, block_action(stub, "ticket_reply", str(request_id)))
    [opened] = stub.called("views.open")
    assert opened["view"]["callback_id"] == "ticket_reply"
    assert opened["view"]["private_metadata"] == str(request_id)
    answer = send_interaction(
        client,
        view_submission("ticket_reply", {"text": "Try the CSV export."}, metadata=str(request_id)),
    )
    assert answer.status_code == 200
    send_interaction(client, block_action(stub, "ticket_solve", str(request_id)))
    with container.uow() as uow:
        request = uow.session.get(ServiceRequest, request_id)
        assert request is not None and request.assignee is not None
        assert (request.assignee.email, request.status) == ("agent@desk.example", Status.SOLVED)
        replies = [m for m in request.messages if m.direction == Direction.OUTBOUND]
        assert [m.text for m in replies] == ["Try the CSV export."]
    in_thread = [p for p in stub.called("chat.postMessage") if p.get("thread_ts") == TOP]
    assert "Try the CSV export." in [p["text"] for p in in_thread]
    answers = [r["text"] for r in stub.called("respond")]
    assert answers == [f"{reference} assigned to you.", f"{reference} solved."]


def test_an_empty_reply_is_refused_in_the_modal(
    client: FlaskClient, container: Container, stub: SlackStub
) -> None:
    request_id, _ = open_request(client, container)
    answer = send_interaction(
        client, view_submission("ticket_reply", {"text": "  "}, metadata=str(request_id))
    ).get_json()
    assert answer == {"response_action": "errors", "errors": {"text": "Please write a reply."}}


def test_ticket_new_files_a_request_for_a_crm_customer(
    client: FlaskClient, container: Container, stub: SlackStub
) -> None:
    with container.uow() as uow:
        customer = Customer(name="Tom Berg")
        uow.session.add(customer)
        link_identity(uow.session, customer, "email", "tom@startup.example")
        uow.commit()
    assert send_command(client, stub, "/ticket", "new").status_code == 200
    assert stub.called("views.open")[0]["view"]["callback_id"] == "ticket_new"
    unknown = {"customer": "nobody@nowhere.example", "subject": "Quote", "text": "Needs a quote"}
    answer = send_interaction(client, view_submission("ticket_new", unknown)).get_json()
    assert answer["errors"] == {"customer": "No customer with this email in the CRM."}
    known = {**unknown, "customer": "tom@startup.example"}
    assert send_interaction(client, view_submission("ticket_new", known)).status_code == 200
    send_interaction(client, view_submission("ticket_new", known))  # a resubmit: no second one
    with container.uow() as uow:
        request = uow.session.scalars(select(ServiceRequest)).one()
        assert (request.subject, request.customer.name, request.channel) == (
            "Quote",
            "Tom Berg",
            "email",
        )
        assert "filed_from_slack" in [e.kind for e in request.events]
        reference = request.reference
    confirmations = [p for p in stub.called("chat.postMessage") if p["channel"] == "UAGENT"]
    assert confirmations[0]["text"] == f"Filed {reference}."


def test_kb_answers_after_the_ack_and_shares_an_article(
    client: FlaskClient, container: Container, stub: SlackStub, embedder: MiniLMEmbedder
) -> None:
    container.__dict__["embedder"] = embedder
    with container.uow() as uow:
        report = import_articles(
            uow.session,
            [
                {
                    "_id": "refunds",
                    "title": "Get a refund",
                    "text": "Refunds go back to the card within five days.",
                }
            ],
        )
        uow.commit()
    container.knowledge.index_articles(report.changed_ids)
    ack = send_command(client, stub, "/kb", "how do I get my money back").get_json()
    assert ack["text"].startswith("Searching") and ack["response_type"] == "ephemeral"
    [answer] = stub.wait_for("respond")
    assert "Get a refund" in str(answer["blocks"])
    share = answer["blocks"][2]["elements"][0]
    assert share["action_id"] == "kb_share"
    send_interaction(client, block_action(stub, "kb_share", share["value"]))
    shared = stub.wait_for("respond", 2)[1]
    assert shared["response_type"] == "in_channel" and "Get a refund" in shared["text"]
    assert "Usage" in send_command(client, stub, "/kb", "").get_json()["text"]
    with container.uow() as uow:
        logged = uow.session.scalars(select(SearchLog)).one()
        assert (logged.source, logged.query) == ("slack", "how do I get my money back")


def test_customer_shows_a_360_card(
    client: FlaskClient, container: Container, stub: SlackStub
) -> None:
    request_id, _ = open_request(client, container)
    with container.uow() as uow:
        request = uow.session.get(ServiceRequest, request_id)
        assert request is not None
        uow.session.add(Order(customer_id=request.customer_id, total=Decimal("120.50")))
        uow.commit()
    card = send_command(client, stub, "/customer", "maria@customer.example").get_json()
    shown = str(card["blocks"])
    assert "*Recent orders*" in shown and "120.50 EUR" in shown
    assert "Lifecycle stage" in shown and "Open requests" in shown and "SR-" in shown
    assert "http://desk.example/crm/customers/" in shown
    by_name = send_command(client, stub, "/customer", "mari").get_json()
    assert by_name["blocks"] == card["blocks"]
    assert "No customer found" in send_command(client, stub, "/customer", "zed").get_json()["text"]
    assert "Usage" in send_command(client, stub, "/customer", " ").get_json()["text"]


def test_sales_commands_are_for_reps(client: FlaskClient, stub: SlackStub) -> None:
    answer = send_command(client, stub, "/pipeline", "").get_json()
    assert answer["text"] == "Sorry, this command is for sales reps."


def add_rep(container: Container, stub: SlackStub) -> tuple[int, int]:
    """Sam (sales, Slack USALES) and a teammate: their agent ids."""
    with container.uow() as uow:
        sam = make_agent(uow, "Sam Sales", email="sam@desk.example", roles=("sales",))
        kim = make_agent(uow, "Kim", email="kim@desk.example", roles=("sales",))
        make_team(uow, "Sales", members=[sam, kim])
        uow.commit()
        ids = (sam.id, kim.id)
    stub.add_user("USALES", "Sam", "sam@desk.example")
    return ids


def test_lead_creates_a_lead_owned_by_the_rep(
    client: FlaskClient, container: Container, stub: SlackStub
) -> None:
    sam_id, _ = add_rep(container, stub)
    with container.uow() as uow:  # the admins' scoring rules score a lead from Slack too
        uow.session.add(
            ScoringRule(
                name="From Slack", kind="fit", field="source", operator="equals",
                value="slack", points=15,
            )
        )  # fmt: skip
        uow.commit()
    answer = send_command(client, stub, "/lead", "Ann Lee ANN@Lead.example Acme Ltd", user="USALES")
    text = answer.get_json()["text"]
    assert text.startswith("Created lead Ann Lee <ann@lead.example> at Acme Ltd")
    assert text.endswith("Score: 15.")
    with container.uow() as uow:
        lead = uow.session.scalars(select(Lead)).one()
        assert (lead.owner_id, lead.source, lead.company) == (sam_id, "slack", "Acme Ltd")
    bad = send_command(client, stub, "/lead", "Bob bob@", user="USALES").get_json()["text"]
    assert bad.startswith("Lead not created: ")
    assert "Usage" in send_command(client, stub, "/lead", "Ann", user="USALES").get_json()["text"]


def test_pipeline_sums_open_deals_by_stage_with_the_weighted_forecast(
    client: FlaskClient, container: Container, stub: SlackStub
) -> None:
    sam_id, kim_id = add_rep(container, stub)
    with container.uow() as uow:
        pipeline = Pipeline(name="Default", is_default=True)
        qualify = PipelineStage(pipeline=pipeline, name="Qualify", position=1, probability=0.2)
        propose = PipelineStage(pipeline=pipeline, name="Proposal", position=2, probability=0.5)
        uow.session.add_all([pipeline, qualify, propose])
        uow.session.flush()
        for name, stage, amount, owner, chance in (
            ("A", qualify, "1000", sam_id, None),
            ("B", propose, "2000", sam_id, 0.8),
            ("C", propose, "500", kim_id, None),
        ):
            uow.session.add(
                Opportunity(
                    name=name,
                    pipeline_id=pipeline.id,
                    stage_id=stage.id,
                    amount=Decimal(amount),
                    owner_id=owner,
                    probability=chance,
                )
            )
        uow.commit()
    mine = send_command(client, stub, "/pipeline", "", user="USALES").get_json()["text"]
    assert "*Qualify*: 1 · 1,000.00 EUR · weighted 200.00" in mine
    assert "*Proposal*: 1 · 2,000.00 EUR · weighted 1,600.00" in mine
    assert "*Weighted forecast*: 1,800.00 EUR" in mine
    team = send_command(client, stub, "/pipeline", "team", user="USALES").get_json()["text"]
    assert "*Proposal*: 2 · 2,500.00 EUR · weighted 1,850.00" in team
    assert (
        "Usage"
        in send_command(client, stub, "/pipeline", "everyone", user="USALES").get_json()["text"]
    )
