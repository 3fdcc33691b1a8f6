"""Generated closed leads whose outcome follows their fit, for the conversion model."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from crm_core.sales.models import Activity, ActivityKind, Lead, LeadStatus

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def closed_leads(session: Session, count: int, seed: int = 1) -> None:
    """Leads whose chance to convert follows their fit: company mail, size, forms."""
    rng = random.Random(seed)
    for i in range(count):
        company_mail = rng.random() < 0.5
        size = rng.choice([5, 20, 200, 2000])
        forms = rng.randint(0, 3)
        odds = -2.0 + 1.5 * company_mail + 0.6 * forms + (0.8 if size >= 200 else 0)
        converted = rng.random() < 1 / (1 + 2.718**-odds)
        domain = f"corp{i}.example" if company_mail else "gmail.com"
        lead = Lead(
            name=f"L{i}",
            email=f"l{i}@{domain}",
            company_size=size,
            source=rng.choice(["form", "import"]),
            industry="software",
            status=LeadStatus.CONVERTED if converted else LeadStatus.DISQUALIFIED,
        )
        session.add(lead)
        session.flush()
        session.add_all(
            Activity(kind=ActivityKind.FORM_SUBMIT, lead_id=lead.id, at=NOW) for _ in range(forms)
        )
