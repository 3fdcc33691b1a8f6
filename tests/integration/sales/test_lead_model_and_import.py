"""The learned conversion probability on generated closed leads, and a messy lead import."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from crm_core.importing import IMPORT_KINDS, ImportOptions, RowSettings, run_import
from crm_core.sales.capture import capture_lead
from crm_core.sales.lead_events import LeadContext, rescore
from crm_core.sales.lead_model import (
    NotEnoughClosedLeads,
    load_lead_model,
    train_lead_model,
)
from crm_core.sales.models import Activity, ActivityKind, Lead
from tests.factories import make_customer
from tests.integration.sales.generated import closed_leads

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def test_too_few_closed_leads_says_so(uow_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        closed_leads(uow.session, 50)
        with pytest.raises(NotEnoughClosedLeads, match="only 50 leads have closed"):
            train_lead_model(uow.session, tmp_path)
    assert load_lead_model(tmp_path) is None


def test_learned_probability_is_calibrated_and_reported(uow_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        closed_leads(uow.session, 400)
        metrics = train_lead_model(uow.session, tmp_path)
        assert metrics.closed == 400 and metrics.held_out == 100
        assert 0.6 <= metrics.accuracy <= 1.0 and metrics.auc > 0.65
        model = load_lead_model(tmp_path)
        assert model is not None and model.metrics == metrics
        context = LeadContext(model=model)
        good = capture_lead(
            uow.session,
            name="G",
            email="g@bigco.example",
            context=context,
            details={"company_size": "2000"},
        ).lead
        for _ in range(3):
            uow.session.add(Activity(kind=ActivityKind.FORM_SUBMIT, lead_id=good.id, at=NOW))
        rescore(uow.session, good, context)
        poor = capture_lead(
            uow.session,
            name="P",
            email="p@gmail.com",
            context=context,
            details={"company_size": "5"},
        ).lead
        assert good.conversion_probability is not None and poor.conversion_probability is not None
        assert 0.0 < poor.conversion_probability < good.conversion_probability < 1.0
        assert good.conversion_probability > 0.5 > poor.conversion_probability


HEADER = [
    "Lead ID",
    "Vorname",
    "Nachname",
    "E-Mail",
    "Company",
    "Job Title",
    "Employees",
    "Country",
    "Notes",
]
ROWS = [
    ["A-1", "Maria", "Muster", "Maria@Acme.example ", "Acme", "CTO", "250", "de", "x"],  # 2 new
    ["A-2", " Jo ", "", "jo@initech.example", "Initech", "", "1,200", "", ""],  # 3 new
    ["", "", "", "", "", "", "", "", ""],  # 4 blank
    ["A-3", "Bad", "Mail", "bad@@mail", "", "", "", "", ""],  # 5 rejected email
    ["A-4", "Bad", "Size", "size@x.example", "", "", "lots", "Germany", ""],  # 6 two problems
    ["A-1", "Maria", "", "maria@acme.example", "Acme AG", "", "", "", ""],  # 7 same id: unchanged
    ["", "Cid", "", "cid@customer.example", "", "Buyer", "", "", ""],  # 8 existing customer
    ["", "", "", "JO@initech.example", "", "Ops lead", "", "", ""],  # 9 same email: update
]


def test_messy_lead_import_is_idempotent(uow_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "leads.csv"
    with path.open("w", newline="", encoding="utf-8-sig") as stream:
        csv.writer(stream, delimiter=";").writerows([HEADER, *ROWS])
    with uow_factory() as uow:
        customer = make_customer(uow, "Cid", email="cid@customer.example")
        uow.commit()
    options = ImportOptions(settings=RowSettings())
    dry = run_import(uow_factory, IMPORT_KINDS["leads"], path, ImportOptions(dry_run=True))
    report = run_import(uow_factory, IMPORT_KINDS["leads"], path, options)
    expected = {"rows": 7, "created": 3, "updated": 1, "unchanged": 1, "rejected": 2}
    assert dict(dry.counts) == expected and dict(report.counts) == expected
    problems = {(r.row_number, r.field) for r in report.rejected}
    assert problems == {(5, "email"), (6, "company_size"), (6, "country")}
    assert "Notes" in report.ignored_columns
    with uow_factory() as uow:
        leads = {lead.email: lead for lead in uow.session.scalars(select(Lead))}
        assert set(leads) == {"maria@acme.example", "jo@initech.example", "cid@customer.example"}
        maria, jo = leads["maria@acme.example"], leads["jo@initech.example"]
        assert (maria.name, maria.country, maria.company_size, maria.external_id) == (
            "Maria Muster",
            "DE",
            250,
            "A-1",
        )
        assert (jo.company_size, jo.title, jo.source) == (1200, "Ops lead", "import")
        assert leads["cid@customer.example"].customer_id == customer.id
    path.write_text(path.read_text(encoding="utf-8-sig") + "\n", encoding="utf-8")
    again = run_import(uow_factory, IMPORT_KINDS["leads"], path, options)
    assert again.counts["created"] == 0 and again.counts["unchanged"] == 5
