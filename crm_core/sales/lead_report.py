"""Lead sources and campaign attribution: where leads come from and what they won.

Per source (or per campaign): how many leads, how many closed, how many converted, the
conversion rate among closed leads, and the revenue of won opportunities that converted
leads became, per currency (amounts in different currencies are never added up).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm_core.access import Viewer
from crm_core.sales.lead_access import visible_leads
from crm_core.sales.models import Lead, LeadStatus, Opportunity, StageOutcome


@dataclass
class SourceRow:
    key: str
    leads: int = 0
    converted: int = 0
    disqualified: int = 0
    won_deals: int = 0
    won_revenue: dict[str, Decimal] = field(default_factory=dict)

    @property
    def conversion_rate(self) -> float | None:
        """Converted among closed leads; None while none has closed."""
        closed = self.converted + self.disqualified
        return self.converted / closed if closed else None

    def revenue_text(self) -> str:
        return ", ".join(f"{amount:.2f} {cur}" for cur, amount in sorted(self.won_revenue.items()))


def lead_source_report(
    session: Session, viewer: Viewer, *, by: str = "source", since: datetime | None = None
) -> list[SourceRow]:
    """One row per source (by="source") or per campaign (by="campaign"), most leads first."""
    key_column = Lead.source if by == "source" else Lead.campaign_id
    where = [visible_leads(viewer)] + ([Lead.created_at >= since] if since else [])
    rows: dict[str, SourceRow] = {}
    counts = session.execute(
        select(key_column, Lead.status, func.count(Lead.id))
        .where(*where)
        .group_by(key_column, Lead.status)
    )
    for key, status, count in counts:
        row = rows.setdefault(_label(key, by), SourceRow(_label(key, by)))
        row.leads += count
        if status == LeadStatus.CONVERTED:
            row.converted += count
        elif status == LeadStatus.DISQUALIFIED:
            row.disqualified += count
    won = session.execute(
        select(
            key_column,
            Opportunity.currency,
            func.count(Opportunity.id),
            func.sum(Opportunity.amount),
        )
        .join(Opportunity, Opportunity.lead_id == Lead.id)
        .where(*where, Opportunity.outcome == StageOutcome.WON)
        .group_by(key_column, Opportunity.currency)
    )
    revenue: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for key, currency, deals, amount in won:
        row = rows.setdefault(_label(key, by), SourceRow(_label(key, by)))
        row.won_deals += deals
        revenue[row.key][currency] = Decimal(amount or 0)
    for key, amounts in revenue.items():
        rows[key].won_revenue = amounts
    return sorted(rows.values(), key=lambda r: (-r.leads, r.key))


def _label(key: object, by: str) -> str:
    if by == "source":
        return str(key)
    return f"campaign #{key}" if key is not None else "no campaign"


CSV_HEADER = (
    "key",
    "leads",
    "converted",
    "disqualified",
    "conversion_rate",
    "won_deals",
    "won_revenue",
)


def report_csv_rows(rows: list[SourceRow]) -> list[list[str]]:
    """The rows as CSV cells, the header first."""
    out = [list(CSV_HEADER)]
    for row in rows:
        rate = "" if row.conversion_rate is None else f"{row.conversion_rate:.4f}"
        out.append(
            [
                row.key,
                str(row.leads),
                str(row.converted),
                str(row.disqualified),
                rate,
                str(row.won_deals),
                row.revenue_text(),
            ]
        )
    return out
