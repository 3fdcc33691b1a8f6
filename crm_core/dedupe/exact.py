"""Exact duplicates: two customers with the same email address or phone number."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from itertools import combinations

from crm_core.dedupe.pairs import CandidatePair
from crm_core.normalise import InvalidValue, normalise_phone

Contact = tuple[int, str, str]  # (customer id, "email" or "phone", value)


_DIGEST = re.compile(r"[0-9a-f]{64}")


def contact_key(kind: str, value: str) -> str:
    """The form two values are compared in: emails ignore case, phones are E.164 when
    they parse (records from before normalisation may not be) and digits otherwise; a
    stored phone digest (crm_core.crypto) is compared as it is."""
    value = value.strip()
    if kind == "email":
        return value.lower()
    if _DIGEST.fullmatch(value):
        return value
    try:
        return normalise_phone(value)
    except InvalidValue:
        return "+" + "".join(c for c in value if c.isdigit())


def exact_pairs(contacts: Iterable[Contact]) -> list[CandidatePair]:
    """Every two customers sharing an email or a phone, score 100."""
    holders: dict[tuple[str, str], set[int]] = defaultdict(set)
    for customer_id, kind, value in contacts:
        if value and value.strip():
            holders[(kind, contact_key(kind, value))].add(customer_id)
    pairs = []
    for (kind, key), ids in holders.items():
        for a, b in combinations(sorted(ids), 2):
            pairs.append(CandidatePair.of(a, b, 100.0, f"same {kind} {key}"))
    return pairs
