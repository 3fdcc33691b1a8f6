"""Record scoping in the operations: who sees which customers and organisations."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm_core.access import PermissionDenied, Viewer
from crm_core.customers import Customer, Organization
from crm_core.privacy import grant_consent, withdraw_consent
from crm_core.scoping import scope_organisations
from servicedesk.desk import customer_access
from servicedesk.desk.viewers import viewer_of
from tests.factories import make_agent, make_customer, make_request, make_team


@pytest.fixture
def world(uow_factory) -> dict[str, object]:
    with uow_factory() as uow:
        rep_a, rep_b, rep_c = (make_agent(uow, n, roles=["sales"]) for n in ("Ann", "Ben", "Cal"))
        make_team(uow, "East", members=[rep_a, rep_b])
        make_team(uow, "West", members=[rep_c])
        agent = make_agent(uow, "Dee", roles=["agent"])
        both = make_agent(uow, "Eve", roles=["agent", "sales"])
        people: dict[str, Customer] = {}
        for name, owner in (("own", rep_a), ("mate", rep_b), ("far", rep_c)):
            people[name] = make_customer(uow, name.title())
            people[name].owner_id = owner.id
        org = Organization(name="Bee Corp", owner_id=rep_b.id)
        uow.session.add(org)
        people["member"] = make_customer(uow, "Member")
        people["member"].organization = org
        people["asker"] = make_customer(uow, "Asker")
        make_request(uow, people["asker"])
        people["fan"] = make_customer(uow, "Fan")
        grant_consent(uow.session, people["fan"].id, "newsletter", "web-form")
        people["ex"] = make_customer(uow, "Ex")
        grant_consent(uow.session, people["ex"].id, "sms", "web-form")
        withdraw_consent(uow.session, people["ex"].id, "sms", "unsubscribe-link")
        uow.session.flush()
        viewers = {
            name: viewer_of(uow.session, a)
            for name, a in (("rep_a", rep_a), ("rep_c", rep_c), ("agent", agent), ("both", both))
        }
        uow.commit()
        ids = {name: c.id for name, c in people.items()}
    viewers["marketing"] = Viewer(user_id=900, roles=frozenset({"marketing"}))
    viewers["read-only"] = Viewer(user_id=901, roles=frozenset({"read-only"}))
    viewers["admin"] = Viewer(user_id=902, roles=frozenset({"admin"}))
    viewers["nobody"] = Viewer(user_id=903, roles=frozenset({"reviewer"}))
    return {"ids": ids, "viewers": viewers, "org": org.id}


EVERYONE = {"own", "mate", "far", "member", "asker", "fan", "ex"}
SEES = {
    "rep_a": {"own", "mate", "member"},  # own, teammate's, and the teammate's organisation
    "rep_c": {"far"},
    "agent": {"asker"},  # the customers of requests the agent can see
    "both": {"asker"},  # Eve's team is her alone and she owns nothing: her agent role shows Asker
    "marketing": {"fan"},  # consent in force; Ex withdrew
    "read-only": EVERYONE,
    "admin": EVERYONE,
    "nobody": set(),
}


def test_each_role_sees_its_customers(uow_factory, world) -> None:
    for who in SEES:
        _check_sees(uow_factory, world, who)


def _check_sees(uow_factory, world, who: str) -> None:  # type: ignore[no-untyped-def]
    ids: dict[str, int] = world["ids"]
    viewer = world["viewers"][who]
    names = {v: k for k, v in ids.items()}
    with uow_factory() as uow:
        listed = uow.session.scalars(customer_access.scoped_customers(viewer)).all()
        assert {names[c.id] for c in listed} == SEES[who]
        assert customer_access.visible_customer_ids(uow.session, viewer) == {
            ids[n] for n in SEES[who]
        }
        for name, customer_id in ids.items():
            allowed = customer_access.may_see_customer(uow.session, viewer, customer_id)
            assert allowed == (name in SEES[who]), (who, name)
            if not allowed:
                with pytest.raises(PermissionDenied, match=f"may not see customer #{customer_id}"):
                    customer_access.ensure_may_see_customer(uow.session, viewer, customer_id)


def test_read_only_sees_but_never_changes(uow_factory, world) -> None:
    ids: dict[str, int] = world["ids"]  # type: ignore[assignment]
    viewers = world["viewers"]
    with uow_factory() as uow:
        with pytest.raises(PermissionDenied, match="is read-only and may not change customer"):
            customer_access.ensure_may_change_customer(
                uow.session,
                viewers["read-only"],
                ids["own"],  # type: ignore[index]
            )
        customer_access.ensure_may_change_customer(uow.session, viewers["rep_a"], ids["mate"])  # type: ignore[index]
        with pytest.raises(PermissionDenied):
            customer_access.ensure_may_change_customer(uow.session, viewers["rep_a"], ids["far"])  # type: ignore[index]


def test_organisations_are_scoped_too(uow_factory, world) -> None:
    viewers = world["viewers"]
    with uow_factory() as uow:

        def orgs(who: str) -> list[int]:
            query = scope_organisations(select(Organization.id), viewers[who])  # type: ignore[index]
            return list(uow.session.scalars(query))

        assert orgs("rep_a") == [world["org"]]
        assert orgs("rep_c") == []
        assert orgs("admin") == [world["org"]]
