"""Quote and signature stripping: the visible reply, with the full text kept elsewhere."""

from __future__ import annotations

import pytest

from channels.email.quotes import strip_quotes, strip_signature, visible_reply


def test_gmail_attribution_and_quote_are_removed() -> None:
    text = (
        "Thanks!\n\nOn Tue, Mar 4, 2025 at 9:00 AM Support <s@d.example> wrote:\n> old\n> older\n"
    )
    assert visible_reply(text) == "Thanks!"


def test_wrapped_attribution_over_two_lines() -> None:
    text = (
        "Yes.\n\nOn Tue, Mar 4, 2025 at 9:00 AM Support Team <\nsupport@desk.example> wrote:\n> x"
    )
    assert visible_reply(text) == "Yes."


@pytest.mark.parametrize(
    "header",
    [
        "-----Original Message-----\nFrom: a\nSent: b\nTo: c\nSubject: d",
        "________________________________\nFrom: Support <s@d.example>\nSent: Monday\nTo: Bob",
        "Von: Support <s@d.example>\nGesendet: Montag\nAn: Bob\nBetreff: Rechnung",
        "Am 03.03.2025 um 10:00 schrieb Support <s@d.example>:",
        "Le lun. 3 mars 2025 à 10:00, Support <s@d.example> a écrit :",
        "Date: Mon, 3 Mar 2025 10:00\nSubject: Invoice\nFrom: s@d.example\nTo: b@c.example",
        "От: Support\nОтправлено: 3 марта 2025 г. 10:00\nКому: Bob\nТема: Счёт",  # noqa: RUF001
    ],
)
def test_client_specific_reply_headers(header: str) -> None:
    assert visible_reply(f"Answer here\n\n{header}\n\nquoted body\n") == "Answer here"


def test_bottom_post_keeps_the_answer_below_the_quote() -> None:
    text = "On 04/02/2012 06:26 PM, Megan wrote:\n> Hi\n\nHello"
    assert strip_quotes(text) == "Hello"


def test_interleaved_answers_are_kept() -> None:
    text = "> question one?\nanswer one\n> question two?\nanswer two"
    assert "answer one" in strip_quotes(text) and "answer two" in strip_quotes(text)


def test_signature_delimiter_and_mobile_footer() -> None:
    assert strip_signature("Hi\n\n-- \nJane Doe\nACME") == "Hi"
    assert strip_signature("Hi there\n\nSent from my iPhone") == "Hi there"
    kept = "Here\n\nSent from my desk, is much easier then my mobile phone."
    assert strip_signature(kept) == kept


def test_dashes_inside_a_line_are_not_a_signature() -> None:
    text = "Use the flag --verbose -- it helps.\nBye"
    assert strip_signature(text) == text


def test_a_mail_that_is_only_a_quote_keeps_its_text() -> None:
    text = "> everything is quoted\n> here"
    assert visible_reply(text) == text


def test_german_text_starting_with_am_is_not_an_attribution() -> None:
    text = "Am Montag geht es nicht.\nBitte Dienstag."
    assert visible_reply(text) == text


@pytest.mark.timeout(10)
def test_pathological_input_finishes() -> None:
    # Long punctuation runs and huge quotes are where backtracking regexes explode.
    text = ("On " + "x" * 50_000 + "\n") * 20 + "> " + "-" * 200_000 + "\n" + "> q\n" * 100_000
    assert visible_reply(text).startswith("On xxx")


@pytest.mark.parametrize(
    "introducer",
    [
        '03.03.2025, 10:00, "Support" <s@d.example>:',
        "Mon, 3 Mar 2025 10:00:00 +0100 от Support <s@d.example>:",
    ],
)
def test_unknown_attribution_above_a_final_quote_block_goes_with_it(introducer: str) -> None:
    text = f"Answer here\n\n{introducer}\n\n> quoted body\n> more\n"
    assert visible_reply(text) == "Answer here"


def test_a_plain_line_ending_with_a_colon_before_a_quote_stays() -> None:
    text = "I disagree with this part:\n\n> quoted body\n"
    assert strip_quotes(text) == "I disagree with this part:"


def test_two_header_lines_are_not_a_reply_header() -> None:
    text = "Subject: printer\nDate: today\n\nIt is broken again."
    assert visible_reply(text) == text
