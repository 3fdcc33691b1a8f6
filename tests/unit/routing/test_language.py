"""Language detection for routing: no stop words needed, scripts beyond Latin, short text."""

from __future__ import annotations

import subprocess
import sys

import pytest

from servicedesk.desk.routing.language import detect_language


@pytest.mark.parametrize(
    ("text", "code"),
    [
        # Not one of the stop words the old detector counted (der, die, und, ich, bitte...).
        ("Drucker druckt seit gestern nur leere Seiten", "de"),
        ("Rechnung doppelt abgebucht, Erstattung erbeten", "de"),
        ("我的订单还没有到 请帮我查一下", "zh"),
        ("注文した商品がまだ届きません", "ja"),
        ("Мой заказ до сих пор не пришёл", "ru"),
        ("لم يصل طلبي بعد، أرجو المساعدة", "ar"),
        ("주문한 상품이 아직 도착하지 않았어요", "ko"),
        ("Where is my parcel? It was due on Monday.", "en"),
        ("Je n'arrive plus à me connecter à mon compte", "fr"),
    ],
)
def test_detects_the_language_of_a_short_message(text: str, code: str) -> None:
    assert detect_language(text) == code


@pytest.mark.parametrize("text", ["", "   ", "ok", "Hallo", "12345 678", "👍👍👍", "?!"])
def test_too_little_text_is_unknown(text: str) -> None:
    assert detect_language(text) is None
    assert detect_language(text, default="en") == "en"


def test_routing_modules_do_not_load_the_detector_at_import() -> None:
    probe = (
        "import sys, servicedesk.desk.routing.router, servicedesk.desk.routing.language;"
        "print('lingua' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
