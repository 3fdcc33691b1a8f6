"""Tokenizing (English stemming, jieba for Chinese), identifiers, passages, snippets."""

from __future__ import annotations

from knowledge.fusion import FusionSettings, fuse, reciprocal_rank_fusion
from knowledge.rendering import plain_text, render_markdown
from knowledge.snippets import highlight, query_terms
from knowledge.text import identifiers, mixed_analyzer, normalize_query, split_passages


def terms(text: str) -> list[str]:
    return [token.text for token in mixed_analyzer()(text)]


def test_english_is_stemmed_and_stop_words_dropped() -> None:
    assert terms("How do I reset the passwords") == ["reset", "password"]


def test_chinese_is_segmented_into_words() -> None:
    words = terms("如何重置密码")
    assert "重置" in words
    assert "密码" in words


def test_mixed_text_keeps_both_scripts_and_char_offsets() -> None:
    text = "ERR-4012 登录失败"
    tokens = [(t.text, t.startchar, t.endchar) for t in mixed_analyzer()(text, chars=True)]
    assert ("登录", 9, 11) in tokens
    assert all(text[start:end].lower() == word for word, start, end in tokens)


def test_identifiers_find_codes_skus_and_order_numbers() -> None:
    found = identifiers("Got ERR-4012 on order #20240117 for SKU_99-B, see page 2 in 2024")
    assert found == ["err-4012", "20240117", "sku_99-b"]


def test_normalize_query_groups_variants() -> None:
    assert normalize_query("  Reset PASSWORD?? ") == normalize_query("reset password")


def test_passages_start_with_the_title_and_cover_the_body() -> None:
    body = "First sentence here. " * 80 + "\n\n最后一段中文。"
    passages = split_passages("Reset a password", "", body, max_words=50)
    assert passages[0] == "Reset a password"
    assert all(p.startswith("Reset a password. ") for p in passages[1:])
    assert len(passages) > 3
    assert "最后一段中文" in passages[-1]


def test_markdown_is_rendered_and_sanitised() -> None:
    html = render_markdown("**bold** <script>alert(1)</script> [x](javascript:alert(1))")
    assert "<strong>bold</strong>" in html
    assert "<script>" not in html
    assert 'href="javascript' not in html
    assert plain_text("# Title\n\n*a* &amp; b") == "Title a & b"


def test_highlight_marks_matched_words_and_escapes_html() -> None:
    snippet = highlight("Click <Reset> to reset passwords now", query_terms("password reset"))
    assert (
        snippet
        == "Click &lt;<mark>Reset</mark>&gt; to <mark>reset</mark> <mark>passwords</mark> now"
    )


def test_fusion_keeps_semantic_order_unless_keyword_is_decisive() -> None:
    settings = FusionSettings(keyword_weight=0.1, keyword_power=1.0)
    semantic = {1: 0.80, 2: 0.60, 3: 0.20}
    assert [a for a, _ in fuse(semantic, [(2, 5.0), (1, 4.9)], set(), settings)][:2] == [1, 2]
    assert fuse(semantic, [(2, 5.0)], {3}, settings)[0][0] == 3


def test_rrf_baseline_adds_reciprocal_ranks() -> None:
    fused = dict(reciprocal_rank_fusion([[1, 2], [2, 3]], k=60))
    assert fused[2] == 1 / 62 + 1 / 61
    assert fused[1] > fused[3]
