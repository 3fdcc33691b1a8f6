"""Block Kit messages the channel itself posts (https://api.slack.com/block-kit)."""

from __future__ import annotations

from typing import Any

RATE_GOOD, RATE_BAD = "rate_good", "rate_bad"


def rating_blocks(reference: str, request_id: int) -> list[dict[str, Any]]:
    """The satisfaction question after a request is solved: Good or Bad."""

    def choice(label: str, action_id: str) -> dict[str, Any]:
        return {
            "type": "button",
            "text": {"type": "plain_text", "text": label},
            "action_id": action_id,
            "value": str(request_id),
        }

    return [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": f"We marked *{reference}* as solved. How did we do?",
            },
        },
        {
            "type": "actions",
            "block_id": "rating",
            "elements": [choice("Good", RATE_GOOD), choice("Bad", RATE_BAD)],
        },
    ]
