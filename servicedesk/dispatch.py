"""Turns committed domain events into live updates and background jobs."""

from __future__ import annotations

from collections.abc import Iterable

from servicedesk.desk import events
from servicedesk.desk.ports import Notifier, TaskQueue
from servicedesk.realtime import rooms
from servicedesk.realtime.notifier import INBOX_CHANGED


def dispatch(published: Iterable[object], notifier: Notifier, tasks: TaskQueue) -> None:
    """Called once per commit with the events the transaction produced."""
    published = list(published)
    for event in published:
        if isinstance(event, events.SlaAlerted | events.AgentsNotified):
            _alert(notifier, event)
        else:
            _notify(event, notifier)
        _schedule(event, tasks)
    runs = [[request_id, on] for request_id, on in _automation_runs(published).items()]
    if runs:  # one job per commit: it reads the rules once (`jobs.run_automations_for`)
        tasks.enqueue("default", "run_automations_for", runs)


def _automation_runs(published: list[object]) -> dict[int, str]:
    """One trigger run per request and commit: `created` wins over `updated`."""
    runs: dict[int, str] = {}
    for event in published:
        match event:
            case events.RequestOpened(request_id=rid):
                runs[rid] = "created"
            case events.RequestUpdated(request_id=rid) | events.RequestAssigned(request_id=rid):
                runs.setdefault(rid, "updated")
    return runs


def _notify(event: object, notifier: Notifier) -> None:
    match event:
        case events.RequestOpened(request_id=rid):
            _inbox_changed(notifier, rid)
        case events.MessageReceived(request_id=rid, message_id=mid):
            payload = {"request_id": rid, "message_id": mid}
            notifier.emit("message.created", payload, rooms.request(rid))
            _inbox_changed(notifier, rid)
        case events.ReplyPosted() | events.NoteAdded():
            _message_posted(event, notifier)
        case events.RequestAssigned(request_id=rid, agent_id=agent_id):
            _inbox_changed(notifier, rid)
            notifier.emit("request.changed", {"request_id": rid}, rooms.request(rid))
            if agent_id is not None:
                notifier.emit("request.assigned", {"request_id": rid}, rooms.agent(agent_id))
        case events.RequestUpdated(request_id=rid) | events.RequestsMerged(target_id=rid):
            _inbox_changed(notifier, rid)
            notifier.emit("request.changed", {"request_id": rid}, rooms.request(rid))
            notifier.emit("request.changed", {}, rooms.conversation(rid))  # widget: CSAT on solved
            notifier.emit("request.changed", {}, rooms.portal_request(rid))


def _message_posted(event: events.ReplyPosted | events.NoteAdded, notifier: Notifier) -> None:
    rid, mid = event.request_id, event.message_id
    notifier.emit("message.created", {"request_id": rid, "message_id": mid}, rooms.request(rid))
    if isinstance(event, events.NoteAdded):
        for agent_id in event.mentioned_agent_ids:
            notifier.emit("mention", {"request_id": rid}, rooms.agent(agent_id))
        return
    # The help centre's request page hears every reply, whichever channel it went out on.
    notifier.emit("message.created", {"message_id": mid}, rooms.portal_request(rid))
    if event.channel == "webchat":
        # The chat widget fetches the reply (with the agent's name) from SQL.
        notifier.emit("message.created", {"message_id": mid}, rooms.conversation(rid))


def _alert(notifier: Notifier, event: events.SlaAlerted | events.AgentsNotified) -> None:
    rid = event.request_id
    if isinstance(event, events.AgentsNotified):
        for agent_id in event.agent_ids:
            notifier.emit("notify", {"request_id": rid, "text": event.text}, rooms.agent(agent_id))
        return
    payload = {"request_id": rid, "clock": event.clock, "kind": event.kind}
    for agent_id in event.agent_ids:
        notifier.emit("sla.alert", payload, rooms.agent(agent_id))
    notifier.emit("request.changed", {"request_id": rid}, rooms.request(rid))
    _inbox_changed(notifier, rid)


def _inbox_changed(notifier: Notifier, request_id: int) -> None:
    # Inbox lists and counts: the Socket.IO notifier merges these per interval.
    notifier.emit(INBOX_CHANGED, {"request_ids": [request_id]}, rooms.console())


def _schedule(event: object, tasks: TaskQueue) -> None:
    _schedule_sending(event, tasks)
    _schedule_desk_work(event, tasks)


def _schedule_sending(event: object, tasks: TaskQueue) -> None:
    """What leaves the desk: replies, confirmation links, webhooks, SLA messages to reps."""
    match event:
        case (
            events.ReplyPosted(message_id=mid, channel=channel)
            | events.ReplyReleased(message_id=mid, channel=channel)
        ):
            tasks.enqueue("mail" if channel == "email" else "default", "send_reply", mid)
        case events.ConfirmationRequested(confirmation_id=cid):
            tasks.enqueue("mail", "send_confirmation", cid)
        case events.SlaAlerted(request_id=rid, clock=clock, kind=kind, notify_rep=True):
            tasks.enqueue("default", "notify_rep_of_sla", rid, clock, kind)
        case events.WebhookRequested(call_id=call_id):
            tasks.enqueue("default", "call_webhook", call_id)


def _schedule_desk_work(event: object, tasks: TaskQueue) -> None:
    """What the desk does next: suggestions, assignment, ratings, the owner's notice."""
    match event:
        case events.RequestOpened(request_id=rid):
            tasks.enqueue("default", "notify_owner", rid)
        case events.MessageReceived(request_id=rid):
            tasks.enqueue("knowledge", "suggest_for_request", rid)
        case events.RequestUpdated(request_id=rid, fields=fields) if "status" in fields:
            # The jobs check the status themselves: by the time they run it may have changed.
            tasks.enqueue("knowledge", "remember_solved_request", rid)
            tasks.enqueue("default", "assign_waiting")
        case events.RequestAssigned() | events.RequestsMerged():
            tasks.enqueue("default", "assign_waiting")
        case events.RequestSolved(request_id=rid):
            tasks.enqueue("mail", "invite_rating", rid)
            tasks.enqueue("default", "ask_rating", rid)  # Slack asks in the thread
            tasks.enqueue("default", "enrol_on_solved_request", rid)  # marketing workflows
        case events.PresenceChanged(presence="online") | events.CapacityChanged():
            tasks.enqueue("default", "assign_waiting")
