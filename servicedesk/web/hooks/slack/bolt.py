"""The Bolt app: its listeners are the Slack views of the desk (parse, call, answer).

`process_before_response=True`: an event is received by the desk before Slack gets its
200, so a crash makes Slack retry rather than lose the message (retries are no-ops once
handled). Work that may take longer than Slack's 3 seconds runs as a lazy listener
after the acknowledgement and answers through `response_url`.
"""

from __future__ import annotations

from slack_bolt import App

from channels.slack import SlackAdapter
from servicedesk.container import Container
from servicedesk.web.hooks.slack.context import Hook


def build_bolt(container: Container, adapter: SlackAdapter) -> App:
    from servicedesk.web.hooks.slack import actions, commands, messages, modals

    assert adapter.api is not None, "the Slack channel is on only with a bot token"
    app = App(
        signing_secret=adapter.settings.signing_secret,
        client=adapter.api.client,
        token_verification_enabled=False,
        request_verification_enabled=False,  # done by the blueprint, through the adapter
        process_before_response=True,
    )
    hook = Hook(container, adapter)
    messages.register(app, hook)
    commands.register(app, hook)
    actions.register(app, hook)
    modals.register(app, hook)
    return app
