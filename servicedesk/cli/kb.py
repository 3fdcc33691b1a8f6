"""`servicedesk kb ...`: import articles, search, rebuild the search indexes, gap report.

Nothing heavy is imported at module level: the model loads only when a command encodes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from servicedesk.cli.context import container

if TYPE_CHECKING:
    from knowledge.service import KnowledgeBase

MODES = ("hybrid", "keyword", "semantic")


def _knowledge_base() -> KnowledgeBase:
    return container().knowledge


@click.group("kb")
def kb() -> None:
    """Knowledge base: articles and search."""


@kb.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(path: Path) -> None:
    """Import (or update) published articles from a JSON-lines file, idempotent by `_id`."""
    from knowledge.importing import ArticleImportError, import_articles, read_jsonl

    base = _knowledge_base()
    try:
        with container().uow() as uow:
            report = import_articles(uow.session, read_jsonl(path))
            uow.commit()
    except ArticleImportError as error:
        raise click.ClickException(str(error)) from error
    if report.changed_ids:
        base.index_articles(report.changed_ids)
    click.echo(
        f"imported {report.total} articles: {report.created} created, "
        f"{report.updated} updated, {report.unchanged} unchanged"
    )


@kb.command("search")
@click.argument("query", required=False)
@click.option("--queries", "queries_path", type=click.Path(exists=True, path_type=Path))
@click.option("--mode", type=click.Choice(MODES), default="hybrid", show_default=True)
@click.option("--limit", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option("--audience", type=click.Choice(("agent", "portal")), default="agent")
@click.option("--locale", default=None, help="Only articles in this locale.")
@click.option("--category", default=None, help="Only articles in this category.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def search_command(
    query: str | None,
    queries_path: Path | None,
    mode: str,
    limit: int,
    audience: str,
    locale: str | None,
    category: str | None,
    as_json: bool,
) -> None:
    """Search articles for QUERY, or for every query of a JSON-lines file (--queries)."""
    if (query is None) == (queries_path is None):
        raise click.UsageError("give either QUERY or --queries FILE")
    base = _knowledge_base()
    options: dict[str, Any] = {
        "mode": mode,
        "audience": audience,
        "locale": locale,
        "category": category,
        "limit": limit,
        "log": False,
    }
    if queries_path is not None:
        _search_many(base, queries_path, options)
        return
    response = base.search(query or "", snippets=not as_json, **options)
    if as_json:
        rows = [{"id": h.key, "title": h.title, "score": round(h.score, 6)} for h in response.hits]
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    if response.no_answer:
        click.echo("No confident answer; closest articles:" if response.hits else "No answer.")
    for rank, hit in enumerate(response.hits, start=1):
        click.echo(f"{rank:>3}. [{hit.key}] {hit.title}  ({hit.score:.3f})")
        if hit.snippet:
            click.echo(f"     {hit.snippet}")


def _search_many(base: KnowledgeBase, path: Path, options: dict[str, Any]) -> None:
    from knowledge.importing import read_jsonl

    for record in read_jsonl(path):
        response = base.search(str(record.get("text") or ""), snippets=False, **options)
        results = [{"id": h.key, "score": round(h.score, 6)} for h in response.hits]
        line = {"query_id": record.get("_id"), "results": results}
        click.echo(json.dumps(line, ensure_ascii=False))


@kb.command("reindex")
def reindex_command() -> None:
    """Rebuild the whoosh index and the passage embeddings from the articles in SQL.

    Safe while the app runs: the new index is built aside and swapped in at the end.
    """

    from servicedesk.desk.resource_search import sync_resource_documents

    def progress(done: int, total: int) -> None:
        click.echo(f"  {done}/{total} articles", err=True)

    with container().uow() as uow:  # the resource library's entries are articles too
        sync_resource_documents(uow.session)
        uow.commit()
    report = _knowledge_base().rebuild(progress=progress)
    click.echo(
        f"reindexed {report.articles} published articles, {report.passages} passages "
        f"({report.encoded} newly encoded)"
    )


@kb.command("gaps")
@click.option("--days", type=click.IntRange(1), default=30, show_default=True)
@click.option("--stale-months", type=click.IntRange(1), default=12, show_default=True)
def gaps_command(days: int, stale_months: int) -> None:
    """Searches without a good answer, and stale or badly rated articles."""
    from knowledge.reports import gap_report

    with container().uow() as uow:
        report = gap_report(uow.session, days=days, stale_months=stale_months)
    click.echo("Unanswered searches:")
    for gap in report.unanswered:
        click.echo(f"  {gap.count:>4}  {gap.example}")
    click.echo("Stale or poorly rated articles:")
    for stale in report.stale:
        click.echo(f"  [{stale.key}] {stale.title}: {stale.reason}")


commands: list[click.Command] = [kb]
