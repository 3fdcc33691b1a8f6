"""With the Slack channel on, a renewal reminder is a DM to the contract's owner, once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from servicedesk.container import Container
from servicedesk.contract_jobs import remind_contract_renewals
from servicedesk.realtime.notifier import RecordingNotifier
from tests.factories import make_agent
from tests.fixtures.slack_stub import SlackStub
from tests.integration.contracts.helpers import TODAY, make_contract, make_organisation
from tests.integration.slack.conftest import slack_config, stub

__all__ = ["stub"]  # the fixture, imported to be used here


@pytest.fixture
def slack_desk(engine: Engine, tmp_path: Path, stub: SlackStub) -> Iterator[Container]:
    built = Container.build(slack_config(engine, tmp_path, stub), synchronous_jobs=True)
    built.notifier = RecordingNotifier()
    yield built
    built.engine.dispose()


def test_the_owner_gets_one_slack_dm_per_reminder(slack_desk: Container, stub: SlackStub) -> None:
    with slack_desk.uow() as uow:
        owner = make_agent(uow, "Alex", email="agent@desk.example", roles=["sales"])
        org = make_organisation(uow, "Acme")
        contract_id = make_contract(
            uow, "SC-S", organization_id=org.id, owner_id=owner.id,
            ends_on=TODAY + timedelta(days=6), remind_days=[7],
        ).id  # fmt: skip
        uow.commit()
    for _ in range(2):  # the daily job ran twice
        remind_contract_renewals(slack_desk)
    dms = [p for p in stub.called("chat.postMessage") if p["channel"] == "DUAGENT"]
    assert len(dms) == 1
    assert "SC-S (Acme) is up for renewal" in dms[0]["text"]
    assert f"http://desk.example/contracts/{contract_id}" in dms[0]["text"]
    assert isinstance(slack_desk.notifier, RecordingNotifier)
    assert slack_desk.notifier.sent == []  # the DM went out: no console notice as well
