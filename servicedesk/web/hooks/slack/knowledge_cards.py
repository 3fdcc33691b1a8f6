"""`/kb <question>`: the top hybrid results, each with a link and a button to share it."""

from __future__ import annotations

from typing import Any

from servicedesk.web.hooks.slack import cards
from servicedesk.web.hooks.slack.context import Hook

USAGE = "Usage: `/kb <question>` searches the help centre's articles."
SHOWN = 3


def article_url(hook: Hook, article_id: int) -> str:
    return hook.link(f"/help/articles/{article_id}")


def results(hook: Hook, question: str) -> dict[str, Any]:
    """The answer's text and blocks; only public articles, since one may be shared."""
    container = hook.container
    knowledge = container.knowledge
    found = knowledge.search(question, audience="portal", limit=SHOWN, log=False)

    def log() -> None:  # the search log is a write: as the process's one SQLite writer
        with container.sessions() as session:
            knowledge.log_search(session, found, "portal", "slack")
            session.commit()

    container.write_guard.run(log)
    if not found.hits:
        return {"text": f"No article matches “{question[:200]}”."}
    blocks: list[cards.Block] = [cards.context(f"Articles for “{cards.escape(question[:200])}”")]
    for hit in found.hits[:SHOWN]:
        line = f"*{cards.link(article_url(hook, hit.article_id), hit.title)}*"
        if hit.snippet:
            line += f"\n{cards.escape(hit.snippet[:300])}"
        blocks.append(cards.text(line))
        blocks.append(
            cards.actions(cards.button("Share in channel", "kb_share", str(hit.article_id)))
        )
    return {"text": f"{len(found.hits[:SHOWN])} articles", "blocks": blocks}


def shared(hook: Hook, article_id: int, title: str) -> dict[str, Any]:
    """What a shared article looks like in the channel."""
    return {
        "response_type": "in_channel",
        "replace_original": False,
        "text": f"📄 {cards.link(article_url(hook, article_id), title)}",
    }
