"""Fuzzy duplicates: similar names at the same organisation or at a similar address.

Comparing every customer with every other is 5·10⁹ pairs at 100k customers. Blocking
follows the rule itself: only people at the same organisation, or at addresses with the
same house numbers and postcode (and the same first letter of the street), are compared,
so blocks stay as small as organisations and buildings. A block over `MAX_BLOCK` (a
large employer) is split by name keys: the first three letters of each word of the name
and of the whole name without spaces ("Mary Ann" and "Maryann" share "mar"; "张 伟" and
"张伟" share "张伟"). Names are compared folded (case, accents, spacing and punctuation
ignored) with rapidfuzz's token_sort_ratio, a whole block at a time in C
(`process.cdist`). People with neither organisation nor address are never candidates.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from crm_core.dedupe.pairs import CandidatePair
from crm_core.normalise import fold

NAME_THRESHOLD = 88
ADDRESS_THRESHOLD = 85
# A block bigger than this is split by name keys, to keep each near 16M cells or fewer.
MAX_BLOCK = 4000


@dataclass(frozen=True)
class Person:
    """What fuzzy matching needs of a customer."""

    id: int
    name: str
    organisation_id: int | None
    address: str | None


@dataclass(frozen=True)
class _Folded:
    id: int
    name: str
    organisation_id: int | None
    address: str


_APOSTROPHES = re.compile("['\u2019`\u00b4]")


def comparable(text: str | None) -> str:
    """Folded, apostrophes dropped (O'Neil = ONeil), other punctuation as spaces
    (Mary-Ann = Mary Ann, "High St." = "High St")."""
    text = _APOSTROPHES.sub("", fold(text))
    spaced = "".join(" " if unicodedata.category(c)[0] in "PS" else c for c in text)
    return " ".join(spaced.split())


def address_score(a: str, b: str) -> float:
    """Similarity of two comparable addresses; different house numbers or postcodes
    mean different places however alike the rest is."""
    numbers_a = {w for w in a.split() if any(c.isdigit() for c in w)}
    numbers_b = {w for w in b.split() if any(c.isdigit() for c in w)}
    if numbers_a and numbers_b and numbers_a != numbers_b:
        return 0.0
    # token_set_ratio: "12 High Street Leeds" against "12 High St Leeds" is one word off.
    return float(fuzz.token_set_ratio(a, b))


def blocking_keys(folded_name: str) -> set[str]:
    """The keys a folded name is filed under when its block is split."""
    words = folded_name.split()
    keys = {word[:3] for word in words if len(word) >= 2}
    joined = "".join(words)
    if joined:
        keys.add(joined[:3])
    return keys


def fuzzy_pairs(
    people: Iterable[Person],
    name_threshold: float = NAME_THRESHOLD,
    address_threshold: float = ADDRESS_THRESHOLD,
) -> list[CandidatePair]:
    """Pairs whose names score at least `name_threshold` and who share an organisation
    or whose addresses score at least `address_threshold`."""
    folded = [
        _Folded(p.id, comparable(p.name), p.organisation_id, comparable(p.address))
        for p in people
        if comparable(p.name)
    ]
    found: dict[tuple[int, int], CandidatePair] = {}
    for block in _blocks(folded):
        for pair in _block_pairs(block, name_threshold, address_threshold):
            found.setdefault((pair.left_id, pair.right_id), pair)
    return list(found.values())


def address_key(address: str) -> str:
    """The block of a comparable address: its numbers and the first letter of its first
    word ("12 High Street, 10115" → "12 10115 h"), or its first four letters if it has no
    numbers."""
    words = address.split()
    numbers = sorted(w for w in words if any(c.isdigit() for c in w))
    letters = next((w[0] for w in words if w[0].isalpha()), "")
    return " ".join([*numbers, letters]) if numbers else address[:4]


def _blocks(people: Sequence[_Folded]) -> Iterable[list[_Folded]]:
    """Groups of two or more people at one organisation or one address block."""
    groups: dict[str, list[_Folded]] = defaultdict(list)
    for person in people:
        if person.organisation_id is not None:
            groups[f"org {person.organisation_id}"].append(person)
        if person.address:
            groups[f"address {address_key(person.address)}"].append(person)
    for group in groups.values():
        if len(group) > MAX_BLOCK:
            yield from _split_by_name(group)
        elif len(group) > 1:
            yield group


def _split_by_name(group: list[_Folded]) -> Iterable[list[_Folded]]:
    by_name: dict[str, list[_Folded]] = defaultdict(list)
    for person in group:
        for key in blocking_keys(person.name):
            by_name[key].append(person)
    yield from (block for block in by_name.values() if len(block) > 1)


def _block_pairs(
    block: list[_Folded], name_threshold: float, address_threshold: float
) -> Iterable[CandidatePair]:
    names = [p.name for p in block]
    scores = process.cdist(
        names, names, scorer=fuzz.token_sort_ratio, score_cutoff=name_threshold, dtype=np.uint8
    )
    rows, cols = np.nonzero(np.triu(scores, k=1))
    for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
        pair = _judge(block[i], block[j], float(scores[i, j]), address_threshold)
        if pair is not None:
            yield pair


def _judge(a: _Folded, b: _Folded, name_score: float, threshold: float) -> CandidatePair | None:
    """The pair when their organisation or address backs up the similar names."""
    if a.organisation_id is not None and a.organisation_id == b.organisation_id:
        reason = f"similar name ({name_score:.0f}) at the same organisation"
        return CandidatePair.of(a.id, b.id, name_score, reason)
    if a.address and b.address:
        place = address_score(a.address, b.address)
        if place >= threshold:
            reason = f"similar name ({name_score:.0f}) and address ({place:.0f})"
            return CandidatePair.of(a.id, b.id, (name_score + place) / 2, reason)
    return None
