"""Corrections agents make to routing decisions, kept as training signals."""

from __future__ import annotations

from sqlalchemy.orm import Session

from servicedesk.desk.models import ServiceRequest
from servicedesk.desk.routing.models import RoutingCorrection


def record_correction(
    session: Session, request_id: int, field: str, old: str | None, new: str | None
) -> RoutingCorrection:
    """Store what the router (or an earlier agent) decided and what an agent changed it to."""
    request = session.get(ServiceRequest, request_id)
    first = "\n".join(m.text for m in request.messages[:1]) if request else ""
    correction = RoutingCorrection(
        request_id=request_id,
        field=field,
        old_value=old,
        new_value=new,
        text=f"{request.subject}\n{first}".strip() if request else first,
    )
    session.add(correction)
    session.flush()
    return correction
