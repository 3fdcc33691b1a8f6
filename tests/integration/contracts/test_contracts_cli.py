"""`servicedesk contracts list` and `remind` as users run them (SQLite in the instance dir)."""

from __future__ import annotations

import json
import os
from datetime import timedelta

from tests.factories import make_agent
from tests.integration.contracts.helpers import TODAY, make_contract, make_organisation
from tests.integration.crm.test_crm_cli import cli_env, run

__all__ = ["cli_env"]  # the fixture, imported to be used here


def test_list_and_remind(cli_env: dict[str, str]) -> None:
    from servicedesk.cli.context import container

    saved = dict(os.environ)
    os.environ.update(cli_env)
    try:
        built = container()
        with built.uow() as uow:
            rep = make_agent(uow, "Rae", roles=["sales"])
            org = make_organisation(uow, "Acme")
            make_contract(uow, "SC-9", organization_id=org.id, owner_id=rep.id,
                          incidents_included=4, ends_on=TODAY + timedelta(days=20),
                          remind_days=[30])  # fmt: skip
            uow.commit()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    listed = json.loads(run(cli_env, "contracts", "list", "--json"))
    assert [(r["number"], r["holder"], r["status"], r["incidents_left"]) for r in listed] == [
        ("SC-9", "Acme", "active", 4)
    ]
    assert "SC-9  Acme  active  tier gold" in run(cli_env, "contracts", "list")
    assert "1 renewal reminders sent" in run(cli_env, "contracts", "remind")
    assert "0 renewal reminders sent" in run(cli_env, "contracts", "remind")
    later = (TODAY + timedelta(days=30)).isoformat()  # past the renewal: nothing more
    assert "0 renewal reminders sent" in run(cli_env, "contracts", "remind", "--day", later)
