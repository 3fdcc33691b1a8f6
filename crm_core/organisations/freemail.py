"""Free-mail domains: addresses there never imply an organisation."""

from __future__ import annotations

from functools import cache
from importlib.resources import files


@cache
def freemail_domains() -> frozenset[str]:
    """The shipped list (freemail_domains.txt beside this module)."""
    text = files(__package__).joinpath("freemail_domains.txt").read_text(encoding="utf-8")
    lines = (line.strip().lower() for line in text.splitlines())
    return frozenset(line for line in lines if line and not line.startswith("#"))


def is_freemail(domain: str) -> bool:
    """True for gmail.com, mail.163.com's parent 163.com and the like."""
    domain = domain.lower().rstrip(".")
    known = freemail_domains()
    parts = domain.split(".")
    # Providers hand out subdomains too (e.g. "ms.hotmail.com" forwarders): check parents.
    return any(".".join(parts[i:]) in known for i in range(len(parts) - 1))
