"""Text from customers made safe to show: no bidirectional overrides.

Unicode's explicit embedding, override and isolate controls (U+202A-U+202E,
U+2066-U+2069; Unicode Technical Report 9, and CVE-2021-42574 "Trojan Source") reorder
what follows them, so "invoice\u202efdp.exe" shows as "invoiceexe.pdf". Dropping them
shows the characters in their real order; right-to-left scripts still display correctly,
because the bidi algorithm orders them without any control character.
"""

from __future__ import annotations

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_DROP = dict.fromkeys(map(ord, BIDI_CONTROLS))


def neutralise_bidi(text: str | None) -> str:
    """`text` without bidi embedding, override and isolate controls ('' for None)."""
    if not text:
        return ""
    return text.translate(_DROP)
