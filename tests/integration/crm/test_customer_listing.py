"""list_customers: search, filters, keyset pages and the viewer's scope."""

from __future__ import annotations

from crm_core.access import Viewer
from crm_core.customers import Customer, IdentityKind, LifecycleStage, link_identity
from crm_core.customers.listing import CustomerFilter, list_customers
from crm_core.customers.operations import add_tag
from crm_core.organisations import create_organisation
from crm_core.scoping import customer_visibility

ADMIN = Viewer(1, frozenset({"admin"}))
EVERYONE = customer_visibility(ADMIN)
REP = Viewer(7, frozenset({"sales"}), frozenset({7, 8}))


def _seed(uow_factory) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        s = uow.session
        globex = create_organisation(s, "Globex Corporation")
        people = {
            "jose": Customer(name="José García", email="jose@acme.com", owner_id=7,
                             lifecycle_stage=LifecycleStage.LOYAL, tier="premium"),
            "ann": Customer(name="Ann Lee", email="ann@globex.example", phone="+4930901820",
                            organization=globex, owner_id=8),
            "bob": Customer(name="Bob Stone", email="bob@example.org", owner_id=9),
            "cy": Customer(name="Cy Twombly", email="cy@example.org"),
        }  # fmt: skip
        s.add_all(people.values())
        s.flush()
        link_identity(s, people["bob"], IdentityKind.EMAIL, "bobby@work.example")
        add_tag(s, people["ann"], "Beta")
        add_tag(s, people["bob"], "beta")
        for n in range(30):
            s.add(Customer(name=f"Filler {n:02d}", email=f"filler{n}@example.net"))
        uow.commit()
        return {key: person.id for key, person in people.items()}


def _names(uow_factory, viewer: Viewer, **filters: str) -> list[str]:  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        page = list_customers(
            uow.session, CustomerFilter(**filters), limit=100, scope=customer_visibility(viewer)
        )
        return [row.name for row in page.rows]


def test_search_and_filters(uow_factory) -> None:
    _seed(uow_factory)
    _filters_narrow_by_stage_owner_tier_and_tag(uow_factory)
    assert _names(uow_factory, ADMIN, search="jose garcia") == ["José García"]
    assert _names(uow_factory, ADMIN, search="GARC") == ["José García"]
    assert _names(uow_factory, ADMIN, search="ANN@GLOBEX.EXAMPLE") == ["Ann Lee"]
    assert _names(uow_factory, ADMIN, search="bobby@work.example") == ["Bob Stone"]  # identity
    assert _names(uow_factory, ADMIN, search="cy@exa") == ["Cy Twombly"]  # start of an email
    assert _names(uow_factory, ADMIN, search="+49 30 901820") == ["Ann Lee"]  # via the digest
    assert _names(uow_factory, ADMIN, search="0049 (30) 901-820") == ["Ann Lee"]
    assert _names(uow_factory, ADMIN, search="globex") == ["Ann Lee"]
    assert _names(uow_factory, ADMIN, search="100%_") == []  # wildcards are literal


def _filters_narrow_by_stage_owner_tier_and_tag(uow_factory) -> None:  # type: ignore[no-untyped-def]
    assert _names(uow_factory, ADMIN, stage="loyal") == ["José García"]
    assert _names(uow_factory, ADMIN, owner="8") == ["Ann Lee"]
    assert _names(uow_factory, ADMIN, tier="premium") == ["José García"]
    assert _names(uow_factory, ADMIN, tag="BETA") == ["Bob Stone", "Ann Lee"]
    assert "Cy Twombly" in _names(uow_factory, ADMIN, owner="none")
    assert "José García" not in _names(uow_factory, ADMIN, owner="none")
    with uow_factory() as uow:
        page = list_customers(uow.session, CustomerFilter(stage="happy", owner="x"), scope=EVERYONE)
    assert set(page.errors) == {"stage", "owner"}


def test_pages_are_cut_by_id_and_go_both_ways_and_counted_up_to_a_cap(
    uow_factory, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    _seed(uow_factory)
    seen: list[int] = []
    with uow_factory() as uow:
        page = list_customers(uow.session, CustomerFilter(), limit=10, scope=EVERYONE)
        assert page.previous_before is None and page.count == 34
        pages = [page]
        while page.next_after is not None:
            page = list_customers(
                uow.session, CustomerFilter(), after=page.next_after, limit=10, scope=EVERYONE
            )
            pages.append(page)
        seen = [row.id for p in pages for row in p.rows]
        assert len(pages) == 4 and len(seen) == 34 == len(set(seen))
        assert seen == sorted(seen, reverse=True)  # newest first
        back = list_customers(
            uow.session, CustomerFilter(), before=pages[2].previous_before, limit=10, scope=EVERYONE
        )
        assert [row.id for row in back.rows] == [row.id for row in pages[1].rows]
    _the_count_is_bounded(uow_factory, monkeypatch)


def _the_count_is_bounded(uow_factory, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import crm_core.customers.listing as listing

    monkeypatch.setattr(listing, "COUNT_CAP", 20)
    with uow_factory() as uow:
        page = list_customers(uow.session, CustomerFilter(), limit=5, scope=EVERYONE)
    assert (page.count, page.count_capped) == (20, True)


def test_the_list_applies_the_record_scope_of_the_pages(uow_factory) -> None:  # type: ignore[no-untyped-def]
    """The rules of `crm_core.scoping`, as the customer pages apply them."""
    _seed(uow_factory)
    everyone = set(_names(uow_factory, ADMIN))
    assert len(everyone) == 34
    assert set(_names(uow_factory, Viewer(2, frozenset({"read-only"})))) == everyone
    # An agent sees the customers of the requests they can see, which the desk supplies:
    # crm_core alone knows of none.
    assert _names(uow_factory, Viewer(2, frozenset({"agent"}))) == []
    # The rep (7) sees their own (José) and their teammate's (8: Ann), not 9's or unowned.
    assert set(_names(uow_factory, REP)) == {"José García", "Ann Lee"}
    assert _names(uow_factory, REP, search="bob stone") == []
    # Marketing sees consented contacts only; no consent is recorded yet.
    assert _names(uow_factory, Viewer(3, frozenset({"marketing"}))) == []
    assert _names(uow_factory, Viewer(4, frozenset({"reviewer"}))) == []
