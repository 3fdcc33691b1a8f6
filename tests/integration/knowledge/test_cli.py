"""`servicedesk kb import|search|reindex` through click, on a fresh instance directory."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import knowledge.embedding
from knowledge.embedding import Embedder
from servicedesk.cli import context, main

ARTICLES = [
    {
        "_id": "faq1",
        "title": "Reset your password",
        "text": "Click Forgot password on the login page.",
    },
    {"_id": "faq2", "title": "Refund policy", "text": "Refunds take five business days."},
    {"_id": "faq3", "title": "Error ERR-4012", "text": "ERR-4012 means the card was declined."},
    {"_id": "faq4", "title": "如何重置密码", "text": "点击忘记密码。", "locale": "zh"},
]


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, embedder: Embedder) -> Iterator[CliRunner]:
    # Reuse the loaded model (the float one: what is stored; searches load the int8 copy).
    monkeypatch.setitem(knowledge.embedding._shared, (None, False), embedder)
    runner = CliRunner(env={"SERVICEDESK_INSTANCE_DIR": str(tmp_path / "instance")})
    yield runner
    for key, built in list(context._containers.items()):
        if str(key[0]).startswith(str(tmp_path)):
            built.engine.dispose()
            del context._containers[key]


def run(cli: CliRunner, *args: str) -> Result:
    result = cli.invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def write_jsonl(path: Path, rows: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
    return path


def test_import_search_reindex(cli: CliRunner, tmp_path: Path) -> None:
    corpus = write_jsonl(tmp_path / "corpus.jsonl", ARTICLES)
    assert "4 created" in run(cli, "kb", "import", str(corpus)).output
    assert "4 unchanged" in run(cli, "kb", "import", str(corpus)).output

    out = run(cli, "kb", "search", "I forgot my password", "--json", "--limit", "2").output
    results = json.loads(out)
    assert results[0]["id"] == "faq1"
    assert set(results[0]) == {"id", "title", "score"}
    assert len(results) == 2

    keyword = json.loads(run(cli, "kb", "search", "ERR-4012", "--mode", "keyword", "--json").output)
    assert keyword[0]["id"] == "faq3"

    assert "reindexed 4 published articles" in run(cli, "kb", "reindex").output
    after = json.loads(
        run(cli, "kb", "search", "I forgot my password", "--json", "--limit", "2").output
    )
    assert [r["id"] for r in after] == [r["id"] for r in results]


def test_search_many_queries_in_one_process(cli: CliRunner, tmp_path: Path) -> None:
    run(cli, "kb", "import", str(write_jsonl(tmp_path / "c.jsonl", ARTICLES)))
    queries = write_jsonl(
        tmp_path / "q.jsonl",
        [{"_id": "q1", "text": "money back"}, {"_id": "q2", "text": "忘记密码"}],
    )
    out = run(cli, "kb", "search", "--queries", str(queries), "--mode", "semantic", "--json")
    lines = [json.loads(line) for line in out.output.splitlines()]
    assert [line["query_id"] for line in lines] == ["q1", "q2"]
    assert lines[0]["results"][0]["id"] == "faq2"
    assert lines[1]["results"][0]["id"] == "faq4"
    assert set(lines[0]["results"][0]) == {"id", "score"}


def test_reimport_updates_in_place(cli: CliRunner, tmp_path: Path) -> None:
    run(cli, "kb", "import", str(write_jsonl(tmp_path / "a.jsonl", ARTICLES)))
    changed = [{**ARTICLES[1], "text": "Refunds now take two business days."}]
    out = run(cli, "kb", "import", str(write_jsonl(tmp_path / "b.jsonl", changed))).output
    assert "1 updated" in out
    hits = json.loads(run(cli, "kb", "search", "refund", "--mode", "keyword", "--json").output)
    assert [h["id"] for h in hits] == ["faq2"]


def test_bad_import_line_is_reported(cli: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"_id": "x"}\n')
    result = cli.invoke(main, ["kb", "import", str(bad)])
    assert result.exit_code != 0
    assert "missing title" in result.output
