"""Channel facts drive intake rules: a live chat nobody is online for continues by email."""

from __future__ import annotations

from dataclasses import replace

from channels.messages import InboundMessage, Sender
from crm_core.customers import resolve_identity
from servicedesk.desk.conversations import messages_after, visitor_customer_ids
from servicedesk.desk.models import Agent, Presence, ServiceRequest
from servicedesk.desk.operations import REPLY_BY_EMAIL_TAG, merge_requests, post_reply
from tests.integration.desk.test_operations import UowFactory, intake, mail, new_agent


def chat(external_id: str, text: str = "Anyone there?") -> InboundMessage:
    return InboundMessage(
        channel="webchat",
        external_id=external_id,
        sender=Sender("webchat", "v-1"),
        text=text,
        thread_key="conv-1",
        live=True,
    )


def with_email(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        customer = resolve_identity(uow.session, "webchat", "v-1")
        customer.email = "dana@example.com"
        uow.commit()


def tags(uow_factory: UowFactory, request_id: int) -> list[str]:
    with uow_factory() as uow:
        request = uow.session.get(ServiceRequest, request_id)
        assert request is not None
        return list(request.tags)


def test_live_message_with_nobody_online_is_answered_by_email(uow_factory: UowFactory) -> None:
    with_email(uow_factory)
    request_id = intake(uow_factory, chat("v-1:c1")).request_id
    assert tags(uow_factory, request_id) == [REPLY_BY_EMAIL_TAG]


def test_no_tag_when_an_agent_is_online_or_the_channel_is_not_live(
    uow_factory: UowFactory,
) -> None:
    with_email(uow_factory)
    inbox = intake(uow_factory, replace(chat("v-1:c0"), live=False)).request_id
    assert tags(uow_factory, inbox) == []
    agent_id = new_agent(uow_factory)
    with uow_factory() as uow:
        agent = uow.session.get(Agent, agent_id)
        assert agent is not None
        agent.presence = Presence.ONLINE
        uow.commit()
    online = intake(uow_factory, replace(chat("v-1:c1"), thread_key="conv-2")).request_id
    assert tags(uow_factory, online) == []


def test_merged_messages_of_another_customer_stay_out_of_the_chat(
    uow_factory: UowFactory,
) -> None:
    agent_id = new_agent(uow_factory)
    chat_request = intake(uow_factory, chat("v-1:c1")).request_id
    toms = intake(
        uow_factory,
        mail("tom@example.com", "Tom's secret", sender=Sender("email", "tom@example.com")),
    )
    with uow_factory() as uow:
        post_reply(uow, toms.request_id, agent_id, "Reply to Tom")
        post_reply(uow, chat_request, agent_id, "Reply in the chat")
        merge_requests(
            uow, toms.request_id, chat_request, agent_id=agent_id, confirm_customers=True
        )
        uow.commit()
    with uow_factory() as uow:
        request = uow.session.get(ServiceRequest, chat_request)
        assert request is not None
        readers = visitor_customer_ids(uow.session, request, "v-1")
        seen = messages_after(
            uow.session, chat_request, 0, include_notes=False, customer_ids=readers
        )
        assert [m.text for m in seen] == ["Anyone there?", "Reply in the chat"]
        everything = messages_after(uow.session, chat_request, 0, include_notes=False)
        assert len(everything) == 4  # the console still shows the whole merged request
