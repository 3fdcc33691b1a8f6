"""`servicedesk crm import leads` and `servicedesk sales ...` as users run them; the demo's
leads load twice without duplicates."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from crm_core.access import Viewer
from crm_core.db import UnitOfWork, make_engine, make_session_factory
from crm_core.sales.lead_report import lead_source_report
from crm_core.sales.models import Lead, LeadStatus
from servicedesk.cli import main
from servicedesk.config import Config
from servicedesk.demo import _ensure_team
from servicedesk.demo_leads import load_demo_leads


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SERVICEDESK_")}
    return {**clean, "SERVICEDESK_INSTANCE_DIR": str(tmp_path / "instance")}


def run(env: dict[str, str], *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, list(args), env=env)
    assert result.exit_code == code, result.output
    return result.output


def test_import_leads_assigns_reps_and_model_needs_closed_leads(cli_env, tmp_path) -> None:  # type: ignore[no-untyped-def]
    for rep in ("r1@desk.example", "r2@desk.example"):
        run(cli_env, "agent", "create", rep, "--role", "sales", "--password", "pw-123456789")
    path = tmp_path / "leads.csv"
    with path.open("w", newline="", encoding="utf-8") as stream:
        csv.writer(stream).writerows(
            [["Mail", "Name", "Firma", "Staff"], ["a@one.example", "A", "One", "10"],
             ["b@two.example", "B", "Two", "x"], ["c@three.example", "C", "", ""]]
        )  # fmt: skip
    dry = json.loads(run(cli_env, "crm", "import", "leads", str(path), "--map", "Mail=email",
                         "--map", "Staff=company_size", "--dry-run", "--json"))  # fmt: skip
    assert dry["counts"] == {"rows": 3, "created": 2, "rejected": 1}
    text = run(cli_env, "crm", "import", "leads", str(path), "--map", "Mail=email",
               "--map", "Staff=company_size")  # fmt: skip
    assert "3 rows of leads" in text and "2 created" in text
    assert "row 3: company_size: a whole number of employees" in text
    trained = json.loads(run(cli_env, "sales", "train-lead-model", "--json"))
    assert trained == {"trained": False, "closed": 0, "needed": 200,
                       "reason": trained["reason"]}  # fmt: skip
    plain = run(cli_env, "sales", "train-lead-model", code=1)
    assert "only 0 leads have closed" in plain and "at least 200" in plain
    assert "2 open leads re-scored" in run(cli_env, "sales", "rescore-leads")


def test_demo_leads_load_once(uow_factory) -> None:  # type: ignore[no-untyped-def]
    assert load_demo_leads(uow_factory, _ensure_team).strip().startswith("rep    rep@demo.local")
    load_demo_leads(uow_factory, _ensure_team)
    with uow_factory() as uow:
        assert uow.session.scalar(select(func.count(Lead.id))) == 12
        statuses = set(uow.session.scalars(select(Lead.status)))
        assert statuses == set(LeadStatus)
        scores = set(uow.session.scalars(select(Lead.score)))
        assert len(scores) > 4
        rows = lead_source_report(uow.session, Viewer.system())
        form = next(row for row in rows if row.key == "form")
        assert form.won_deals == 1 and form.won_revenue == {"EUR": Decimal("3600.00")}


@contextmanager
def container_uow(env: dict[str, str]) -> Iterator[UnitOfWork]:
    """A unit of work on the database the CLI used."""
    engine = make_engine(Config.from_env(env).database_url)
    try:
        with UnitOfWork(make_session_factory(engine)) as uow:
            yield uow
    finally:
        engine.dispose()


def test_import_leads_from_xlsx(cli_env, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["ID", "E-Mail", "Full name", "Employees", "Country", "Campaign"])
    sheet.append([1001, "Xu@Lotus.example", "Xu Wei", 250.0, "cn", 7])
    sheet.append([1002, "", "No Mail", 10, "", None])
    sheet.append([None, "bad@", "Bad", None, None, None])
    path = tmp_path / "leads.xlsx"
    book.save(path)
    report = json.loads(run(cli_env, "crm", "import", "leads", str(path), "--json"))
    assert report["counts"] == {"rows": 3, "created": 2, "rejected": 1}
    assert [(r["row_number"], r["field"]) for r in report["rejected"]] == [(4, "email")]
    with container_uow(cli_env) as uow:
        xu = uow.session.scalars(select(Lead).where(Lead.external_id == "1001")).one()
        assert (xu.email, xu.company_size, xu.country, xu.campaign_id) == (
            "xu@lotus.example",
            250,
            "CN",
            7,
        )
    again = json.loads(run(cli_env, "crm", "import", "leads", str(path), "--json"))
    assert again["counts"] == {"rows": 3, "unchanged": 2, "rejected": 1}
