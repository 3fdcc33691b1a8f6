"""Names in several languages for the benches' generated customers (import, customer list,
campaigns): one list, so every bench's people look alike."""

from __future__ import annotations

import random
import unicodedata

FIRST = [
    "José",
    "María",
    "Jürgen",
    "Anna",
    "Jean",
    "Zoë",
    "Li",
    "Wei",
    "Björn",
    "Chloé",
    "Lucas",
    "Emma",
    "Noah",
    "Mia",
    "Léa",
    "Hugo",
    "Sofía",
    "Mateo",
    "Ines",
    "Oskar",
    "Fatima",
    "Omar",
    "Yuki",
    "Hana",
    "Pedro",
    "Lucía",
    "Felix",
    "Clara",
    "Paul",
    "Ana",
    "Nora",
]

LAST = [
    "García",
    "Müller",
    "Martin",
    "Schmidt",
    "Dubois",
    "Rossi",
    "Wang",
    "Zhang",
    "Kim",
    "Nguyen",
    "Smith",
    "Jones",
    "Novak",
    "Silva",
    "Santos",
    "Fischer",
    "Weber",
    "Moreau",
    "Bernard",
    "López",
    "Pérez",
    "Sánchez",
    "Meyer",
    "Wagner",
    "Becker",
    "Hoffmann",
    "Wilson",
    "Taylor",
    "Lefèvre",
    "Girard",
    "Ruiz",
    "Svensson",
    "Tanaka",
    "Sato",
    "Fernández",
    "Chen",
    "Liu",
    "Kowalski",
    "Jensen",
    "Nielsen",
    "Costa",
    "Ivanov",
    "Park",
    "Brown",
]


def person_name(rnd: random.Random) -> tuple[str, str]:
    """A first and a last name."""
    return rnd.choice(FIRST), rnd.choice(LAST)


def ascii_local(first: str, last: str) -> str:
    """`first.last` without accents, lower case: the local part of a generated address."""
    folded = unicodedata.normalize("NFKD", f"{first}.{last}").encode("ascii", "ignore")
    return folded.decode().lower()
