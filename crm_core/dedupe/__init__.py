"""Candidate duplicate customers: the same email or phone, or similar names backed by
the same organisation or a similar address; each pair with a score and its reasons.

The console's duplicates page (/crm/duplicates) lists `find_duplicates`' pairs with a link
to the merge screen; merging and its undo are `crm_core.customers.merging`.
"""

from crm_core.dedupe.exact import exact_pairs
from crm_core.dedupe.finder import find_duplicates
from crm_core.dedupe.fuzzy import Person, blocking_keys, fuzzy_pairs
from crm_core.dedupe.pairs import CandidatePair, combine

__all__ = [
    "CandidatePair",
    "Person",
    "blocking_keys",
    "combine",
    "exact_pairs",
    "find_duplicates",
    "fuzzy_pairs",
]
