import threading
from datetime import timedelta

from crm_core.customers import Customer
from crm_core.db import utcnow
from servicedesk.desk.models import Agent, Presence, Priority, ServiceRequest, Status, Team
from servicedesk.desk.routing.assignment import assign_in_team, lock_team
from servicedesk.desk.routing.router import Router


def setup_team(uow_factory, capacity=2, requests=8):
    with uow_factory() as uow:
        s = uow.session
        team = Team(name="Support", assignment_policy="least_loaded", categories=["billing"])
        agents = [
            Agent(
                email=f"a{i}@x.test",
                name=f"Ana{i}",
                password_hash="x",
                capacity=capacity,
                presence=Presence.ONLINE,
                presence_changed_at=utcnow(),
            )
            for i in range(2)
        ]
        team.members = agents
        customer = Customer(name="Cid", email="cid@example.com")
        s.add_all([team, customer, *agents])
        s.flush()
        ids = []
        for i in range(requests):
            req = ServiceRequest(
                subject=f"r{i}",
                customer_id=customer.id,
                channel="email",
                team_id=team.id,
                status=Status.OPEN,
                priority=Priority.URGENT if i == requests - 1 else Priority.NORMAL,
                created_at=utcnow() + timedelta(seconds=i),
            )
            s.add(req)
            s.flush()
            ids.append(req.id)
        uow.commit()
        return team.id, [a.id for a in agents], ids


def assigned_counts(uow_factory, agent_ids):
    with uow_factory() as uow:
        reqs = uow.session.query(ServiceRequest).all()
        return {a: sum(r.assignee_id == a for r in reqs) for a in agent_ids}


def test_parallel_intake_never_exceeds_capacity(uow_factory):
    team_id, agent_ids, request_ids = setup_team(uow_factory)
    errors = []

    def take(request_id):
        try:
            with uow_factory() as uow:
                lock_team(uow.session, team_id)  # SQLite: write before the first read
                req = uow.session.get(ServiceRequest, request_id)
                assign_in_team(
                    uow.session,
                    req,
                    uow.session.get(Team, req.team_id),
                    utcnow(),
                    timedelta(minutes=5),
                )
                uow.commit()
        except Exception as error:  # a lost race must not pass silently
            errors.append(error)

    threads = [threading.Thread(target=take, args=(rid,)) for rid in request_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert assigned_counts(uow_factory, agent_ids) == {agent_ids[0]: 2, agent_ids[1]: 2}


def test_waiting_queue_takes_most_urgent_first_when_capacity_frees(uow_factory):
    _team_id, agent_ids, request_ids = setup_team(uow_factory, capacity=1, requests=4)
    router = Router(classifier=None)
    with uow_factory() as uow:
        assigned = router.assign_waiting(uow.session)
        uow.commit()
    # The urgent request (created last) goes first, then the oldest normal one.
    assert [rid for rid, _ in assigned] == [request_ids[-1], request_ids[0]]
    with uow_factory() as uow:
        uow.session.get(ServiceRequest, request_ids[0]).status = Status.SOLVED
        assert router.assign_waiting(uow.session) == [(request_ids[1], assigned[1][1])]
        uow.commit()
    assert sum(assigned_counts(uow_factory, agent_ids).values()) == 3


def test_route_sets_fields_and_reason_without_model(uow_factory):
    setup_team(uow_factory, requests=0)
    with uow_factory() as uow:
        s = uow.session
        customer = s.query(Customer).one()
        customer.vip = True
        team = s.query(Team).one()
        team.name = "Triage"
        req = ServiceRequest(subject="help", customer_id=customer.id, channel="email")
        s.add(req)
        decision = Router(classifier=None).route(s, req, "Bitte helfen Sie mir, das ist nicht gut")
        assert decision.priority == "high" and req.priority == Priority.HIGH
        assert req.language == "de"
        assert req.assignee_id is not None
        assert "priority high by rule 'vip'" in decision.reason
        assert "assigned to Ana" in decision.reason


def test_a_message_goes_to_an_agent_who_reads_its_language(uow_factory):
    _team_id, agent_ids, _ = setup_team(uow_factory, requests=0)
    with uow_factory() as uow:
        s = uow.session
        team = s.query(Team).one()
        team.name, team.assignment_policy = "Triage", "skills"
        s.get(Agent, agent_ids[0]).languages = ["en", "de"]
        s.get(Agent, agent_ids[1]).languages = ["en", "ja"]
        req = ServiceRequest(
            subject="注文", customer_id=s.query(Customer).one().id, channel="webchat"
        )
        s.add(req)
        decision = Router(classifier=None).route(s, req, "注文した商品がまだ届きません")
        assert req.language == "ja" and decision.language == "ja"
        assert req.assignee_id == agent_ids[1], decision.reason
