"""Rules and teams are read once per transaction, and an admin's edit is seen at once."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.engine import Engine

from crm_core.customers import Customer
from crm_core.db import UnitOfWork
from servicedesk.desk.models import ServiceRequest, Team
from servicedesk.desk.routing.models import RoutingRuleRow
from servicedesk.desk.routing.router import Router

UowFactory = Callable[[], UnitOfWork]


def route(uow: UnitOfWork, subject: str) -> ServiceRequest:
    request = ServiceRequest(subject=subject, customer=Customer(name="C"), channel="email")
    uow.session.add(request)
    uow.session.flush()
    Router(None).route(uow.session, request, subject)
    return request


def team_rule(team: str) -> RoutingRuleRow:
    definition = {"conditions": [{"fact": "text", "op": "contains", "value": ["printer"]}]}
    return RoutingRuleRow(name=f"to {team}", definition={**definition, "team": team})


def test_a_transaction_reads_rules_and_teams_once(uow_factory: UowFactory, engine: Engine) -> None:
    with uow_factory() as uow:
        uow.session.add_all([Team(name="Triage"), Team(name="Hardware"), team_rule("Hardware")])
        uow.commit()
    reads: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if "FROM routing_rules" in statement or "FROM teams" in statement:
            reads.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        with uow_factory() as uow:
            teams = [route(uow, f"printer {i} jammed").team_id for i in range(5)]
            uow.commit()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(set(teams)) == 1 and teams[0] is not None
    assert len(reads) == 2  # once the rules, once the teams


def test_edits_in_the_same_or_another_transaction_are_seen(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        uow.session.add_all([Team(name="Triage"), Team(name="Hardware"), Team(name="Desk")])
        uow.commit()
    with uow_factory() as uow:
        assert route(uow, "printer jammed").team.name == "Triage"  # type: ignore[union-attr]
        uow.session.add(team_rule("Hardware"))  # pending, not flushed
        assert route(uow, "printer jammed").team.name == "Hardware"  # type: ignore[union-attr]
        uow.commit()
    with uow_factory() as admin:  # another transaction renames the team and its rule
        admin.session.query(Team).filter_by(name="Hardware").update({"name": "Printers"})
        admin.session.query(RoutingRuleRow).update({"definition": team_rule("Printers").definition})
        admin.commit()
    with uow_factory() as uow:
        assert route(uow, "printer jammed").team.name == "Printers"  # type: ignore[union-attr]
