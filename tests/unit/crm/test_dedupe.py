"""Duplicate detection on records in memory: examples and properties."""

from __future__ import annotations

import random
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from crm_core.dedupe import CandidatePair, Person, blocking_keys, combine, exact_pairs, fuzzy_pairs
from crm_core.dedupe import fuzzy as fuzzy_module


def pairs_of(found: list[CandidatePair]) -> set[tuple[int, int]]:
    return {(p.left_id, p.right_id) for p in found}


def test_exact_pairs_share_an_email_or_phone_whatever_its_case_or_format() -> None:
    found = exact_pairs(
        [
            (1, "email", "Ann@Example.com"),
            (2, "email", "ann@example.com "),
            (3, "phone", "+49 30 901820"),
            (4, "phone", "+4930901820"),
            (5, "email", "other@example.com"),
        ]
    )
    assert {(p.left_id, p.right_id, p.score) for p in found} == {(1, 2, 100.0), (3, 4, 100.0)}
    assert {p.reasons for p in found} == {
        ("same email ann@example.com",),
        ("same phone +4930901820",),
    }


def test_similar_names_need_an_organisation_or_address_to_back_them() -> None:
    people = [
        Person(1, "Jonathan Smith", 10, None),
        Person(2, "Jonathon Smith", 10, None),  # typo, same organisation
        Person(3, "Jonathan Smith", 11, None),  # same name, another organisation
        Person(4, "Mary-Ann O'Neil", None, "12 High Street, Leeds"),
        Person(5, "Mary Ann ONeil", None, "12 High St., Leeds"),
        Person(6, "Mary Ann O'Neil", None, "99 Other Road, York"),
        Person(7, "Zhang Wei", None, None),
    ]
    found = {(p.left_id, p.right_id): p for p in fuzzy_pairs(people)}
    assert set(found) == {(1, 2), (4, 5)}
    assert found[(1, 2)].reasons[0].endswith("at the same organisation")
    assert "and address" in found[(4, 5)].reasons[0]
    assert all(0 < p.score <= 100 for p in found.values())


def test_combine_keeps_one_pair_with_the_best_score_and_every_reason() -> None:
    combined = combine(
        [
            CandidatePair.of(2, 1, 91.0, "similar name (91) at the same organisation"),
            CandidatePair.of(1, 2, 100.0, "same email a@b.example"),
            CandidatePair.of(3, 4, 95.0, "x"),
        ]
    )
    assert combined == [
        CandidatePair(
            1, 2, 100.0, ("similar name (91) at the same organisation", "same email a@b.example")
        ),
        CandidatePair(3, 4, 95.0, ("x",)),
    ]


def test_blocking_keys_survive_spacing_differences() -> None:
    assert blocking_keys("mary ann") & blocking_keys("maryann")
    assert blocking_keys("张 伟") & blocking_keys("张伟")


def test_oversized_blocks_are_split_and_still_find_pairs(monkeypatch) -> None:
    monkeypatch.setattr(fuzzy_module, "MAX_BLOCK", 3)
    people = [Person(i, f"Smith {name}", 1, None) for i, name in enumerate(
        ["Alexander", "Alexandre", "Bartholomew", "Christopher", "Dominik", "Dominic"]
    )]  # fmt: skip
    assert pairs_of(fuzzy_pairs(people)) == {(0, 1), (4, 5)}


# ---- properties

_NAMES = st.lists(
    st.sampled_from(
        ["José", "María", "Jürgen", "Zoë", "Ann", "Lee", "Müller", "García", "Dubois", "张", "伟"]
    ),
    min_size=1,
    max_size=3,
).map(" ".join)


def _perturb(name: str, rnd: random.Random) -> str:
    """Change case, spacing and accents, as two systems write one person's name."""
    name = name.upper() if rnd.random() < 0.5 else name.lower()
    if rnd.random() < 0.5:
        decomposed = unicodedata.normalize("NFKD", name)
        name = "".join(c for c in decomposed if not unicodedata.combining(c))
    return "  " + name.replace(" ", rnd.choice(["  ", " \t", "\u00a0"])) + " "


@given(name=_NAMES, seed=st.integers(0, 2**32 - 1), org=st.integers(1, 3))
def test_a_person_written_differently_at_the_same_organisation_is_found(
    name: str, seed: int, org: int
) -> None:
    rnd = random.Random(seed)
    people = [Person(1, name, org, None), Person(2, _perturb(name, rnd), org, None)]
    assert [(p.left_id, p.right_id, p.score) for p in fuzzy_pairs(people)] == [(1, 2, 100.0)]


@given(
    names=st.lists(_NAMES, min_size=2, max_size=12),
    orgs=st.lists(st.sampled_from([None, 1, 2]), min_size=12, max_size=12),
    seed=st.integers(0, 2**32 - 1),
)
@settings(max_examples=60)
def test_pairs_do_not_depend_on_input_order_and_match_brute_force(
    names: list[str], orgs: list[int | None], seed: int
) -> None:
    people = [Person(i, n, orgs[i], None) for i, n in enumerate(names)]
    shuffled = people[:]
    random.Random(seed).shuffle(shuffled)
    found = fuzzy_pairs(people)
    assert pairs_of(found) == pairs_of(fuzzy_pairs(shuffled))
    assert all(p.left_id < p.right_id for p in found)
    # Blocking loses nothing that folds to the same name at the same organisation.
    from crm_core.normalise import fold

    same = {
        (a.id, b.id)
        for a in people
        for b in people
        if a.id < b.id and a.organisation_id and a.organisation_id == b.organisation_id
        and fold(a.name) == fold(b.name)
    }  # fmt: skip
    assert same <= pairs_of(found)


def test_address_blocks_are_numbers_and_street_initial() -> None:
    from crm_core.dedupe.fuzzy import address_key, comparable

    assert address_key(comparable("12 High Street, 10115 Berlin")) == "10115 12 h"
    assert address_key(comparable("12 High St., 10115 Berlin")) == "10115 12 h"
    assert address_key(comparable("Rue de la Paix")) == "rue "


def test_people_with_neither_organisation_nor_address_are_never_candidates() -> None:
    people = [Person(1, "Ann Lee", None, None), Person(2, "Ann Lee", None, None)]
    assert fuzzy_pairs(people) == []


@given(name=_NAMES, seed=st.integers(0, 2**32 - 1), number=st.integers(1, 300))
def test_a_person_written_differently_at_the_same_address_is_found(
    name: str, seed: int, number: int
) -> None:
    rnd = random.Random(seed)
    address = f"{number} Calle Mayor, 28013 Madrid"
    people = [
        Person(1, name, None, address),
        Person(2, _perturb(name, rnd), None, _perturb(address, rnd)),
    ]
    assert [(p.left_id, p.right_id, p.score) for p in fuzzy_pairs(people)] == [(1, 2, 100.0)]
