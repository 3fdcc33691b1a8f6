"""A viewer carries the agent's roles and every agent sharing one of their teams."""

from __future__ import annotations

from servicedesk.desk.models import Agent, Team
from servicedesk.desk.viewers import viewer_of


def _agent(email: str, roles: list[str]) -> Agent:
    return Agent(email=email, name=email, password_hash="x", roles=roles)


def test_viewer_has_roles_and_teammates(uow_factory) -> None:  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        rep, mate, stranger = (
            _agent("rep@x.example", ["sales"]),
            _agent("mate@x.example", ["sales"]),
            _agent("other@x.example", ["agent"]),
        )
        uow.session.add_all(
            [Team(name="East", members=[rep, mate]), Team(name="West", members=[stranger])]
        )
        uow.session.flush()
        viewer = viewer_of(uow.session, rep)
        alone = viewer_of(uow.session, _agent_without_team(uow))
    assert viewer.roles == frozenset({"sales"})
    assert viewer.teammate_ids == {rep.id, mate.id}
    assert stranger.id not in viewer.teammate_ids
    assert alone.teammate_ids == {alone.user_id}


def _agent_without_team(uow) -> Agent:  # type: ignore[no-untyped-def]
    lone = _agent("lone@x.example", ["read-only"])
    uow.session.add(lone)
    uow.session.flush()
    return lone
