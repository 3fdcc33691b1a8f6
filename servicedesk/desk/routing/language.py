"""Language detection by stop-word counts: cheap, offline, good enough to route by.

A dependency-free heuristic on purpose: it needs no model download and costs
microseconds. It knows the languages the desk's queues are staffed for.
"""

from __future__ import annotations

import re

_STOPWORDS = {
    "en": "the and is are you your my to of for it this that have with not please can i we",
    "de": "der die das und ist nicht ich sie mit ein eine zu auf für bitte mein meine haben wir",
    "fr": "le la les et est je vous pas une des pour dans avec mon ma merci nous sur",
    "es": "el la los las y es que no por para una con mi gracias favor hola estoy",
    "pt": "o a os as e é que não para uma com meu minha obrigado você estou por",
    "it": "il lo la gli e è che non per una con mio mia grazie sono ciao",
    "nl": "de het een en is niet ik je met voor op mijn bedankt wij zijn",
}
_WORDS = re.compile(r"[^\W\d_]+", re.UNICODE)


def detect_language(text: str, default: str | None = None) -> str | None:
    """ISO 639-1 code of the likeliest language, or `default` when nothing matches."""
    words = [w.lower() for w in _WORDS.findall(text)[:400]]
    if not words:
        return default
    scores = {code: sum(w in stop for w in words) for code, stop in _SETS.items()}
    best = max(scores, key=lambda code: scores[code])
    return best if scores[best] > 0 else default


_SETS = {code: frozenset(words.split()) for code, words in _STOPWORDS.items()}
