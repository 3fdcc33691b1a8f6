"""Usage counts: what counts as a use of a resource, recorded once per thing that used it.

- a campaign sent with an email template: one use per campaign and variant, recorded when
  the campaign's audience is planned (a resumed or retried send counts nothing more);
- a workflow step that sent a template: one use per enrolment and step (`ref`
  "workflow:ENROLMENT:STEP", given by the workflow engine);
- a file downloaded from the console: every download;
- a file fetched through its signed link (in campaign mail or a Slack post): every fetch.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm_core.campaigns.models import Variant
from crm_core.campaigns.resources.models import ResourceUse, ResourceVersion, UseKind
from crm_core.campaigns.tracking import make_token, read_token

ONCE_PER_REF = frozenset({UseKind.CAMPAIGN, UseKind.WORKFLOW})
LINK = "resource-link"


def record_use(session: Session, version_id: int, kind: UseKind, ref: str | None = None) -> bool:
    """Count a use of a version; False when `ref` already counted (campaigns, workflows)."""
    version = session.get(ResourceVersion, version_id)
    if version is None:
        raise LookupError(f"no resource version {version_id}")
    if kind in ONCE_PER_REF:
        if not ref:
            raise ValueError(f"ref: a {kind.value} use names what used the template")
        counted = select(ResourceUse.id).where(
            ResourceUse.version_id == version_id, ResourceUse.kind == kind, ResourceUse.ref == ref
        )
        if session.scalar(counted) is not None:
            return False
    use = ResourceUse(resource_id=version.resource_id, version_id=version_id, kind=kind, ref=ref)
    try:
        with session.begin_nested():  # two workers planning at once: one row wins
            session.add(use)
    except IntegrityError:
        return False
    return True


def record_campaign_uses(session: Session, campaign_id: int) -> int:
    """Count the templates a campaign's variants were made from; returns new uses."""
    rows = session.execute(
        select(Variant.label, Variant.template_version_id).where(
            Variant.campaign_id == campaign_id, Variant.template_version_id.is_not(None)
        )
    ).all()
    return sum(
        record_use(session, version_id, UseKind.CAMPAIGN, f"campaign:{campaign_id}:{label}")
        for label, version_id in rows
        if version_id is not None
    )


def use_counts(session: Session, resource_ids: list[int]) -> dict[int, Counter[str]]:
    """Uses per resource and kind (every resource asked for has a counter, maybe empty)."""
    counts: dict[int, Counter[str]] = {rid: Counter() for rid in resource_ids}
    if not resource_ids:
        return counts
    rows = session.execute(
        select(ResourceUse.resource_id, ResourceUse.kind, func.count(ResourceUse.id))
        .where(ResourceUse.resource_id.in_(resource_ids))
        .group_by(ResourceUse.resource_id, ResourceUse.kind)
    )
    for resource_id, kind, count in rows:
        counts[resource_id][UseKind(kind).value] = int(count)
    return counts


def link_token(secret: str, resource_id: int) -> str:
    """The signed token of a resource's public link (it serves the current file)."""
    return make_token(secret, LINK, resource_id)


def resource_of_link(secret: str, token: str) -> int:
    """The resource a link token names; raises `BadToken` when forged."""
    payload = read_token(secret, LINK, token)
    if not isinstance(payload, int) or isinstance(payload, bool):
        raise ValueError("token: not a resource link")
    return payload
