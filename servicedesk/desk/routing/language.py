"""The language a customer wrote in, so that routing can prefer agents who speak it.

lingua (offline: its n-gram models ship in the wheel; built for short text) replaced a
count of stop words that called a German message without them "unknown" and never
recognised Chinese, Japanese, Russian or Arabic (bench/language_detection.py,
BENCHMARKS.md). The detector knows only LANGUAGES: every language more costs memory and
load time and gives a short message one more way to be misread. Its models load on the
first call, once per process, never at import: commands and tests that never route a
message do not pay for them.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lingua import LanguageDetector

# ISO 639-1 codes: the western European languages desks staff for most, and one language
# for each script beyond Latin that customers write in often. Each language written in an
# alphabet costs some 25-40 MB and a fraction of a second to load (BENCHMARKS.md); add
# one here when agents speak it.
LANGUAGES = ("en", "de", "fr", "es", "pt", "it", "nl", "ru", "ar", "zh", "ja", "ko")
# Fewer letters than this says too little: "ok" or "Hallo" fit several languages.
MIN_LETTERS = 6
# A mail's first lines decide: on the tickets, 300 characters were as right as 1000 and
# cost half as much.
MAX_CHARS = 300
# How much likelier the best language must be than the next; below it, unknown.
MIN_RELATIVE_DISTANCE = 0.1

_detector: LanguageDetector | None = None
_building = threading.Lock()


def detect_language(text: str, default: str | None = None) -> str | None:
    """ISO 639-1 code of the message's language, or `default` when it cannot tell."""
    sample = text[:MAX_CHARS]
    if sum(char.isalpha() for char in sample) < MIN_LETTERS:
        return default
    found = language_detector().detect_language_of(sample)
    return found.iso_code_639_1.name.lower() if found is not None else default


def language_detector() -> LanguageDetector:
    """The process's detector, built and its models loaded on first use."""
    global _detector
    if _detector is None:
        with _building:
            if _detector is None:
                _detector = build_detector(LANGUAGES, low_accuracy=True)
    return _detector


def build_detector(codes: tuple[str, ...], *, low_accuracy: bool = False) -> LanguageDetector:
    """A detector for `codes` with every model loaded now, not on some later message."""
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    builder = LanguageDetectorBuilder.from_iso_codes_639_1(
        *(getattr(IsoCode639_1, code.upper()) for code in codes)
    ).with_minimum_relative_distance(MIN_RELATIVE_DISTANCE)
    if low_accuracy:
        builder = builder.with_low_accuracy_mode()
    return builder.with_preloaded_language_models().build()
