"""`servicedesk demo` has a contract on Acme Corp whose requests show the entitlement left."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine

from crm_core.contracts.models import Contract, IncidentUse
from servicedesk.app import create_app
from servicedesk.config import Config
from servicedesk.container import Container
from servicedesk.demo import load_demo
from servicedesk.demo_contracts import NUMBER, load_contract_demo
from servicedesk.desk.models import ServiceRequest
from tests.integration.web.conftest import sign_in


def test_the_demo_organisations_requests_show_the_entitlement_left(
    engine: Engine, tmp_path: Path
) -> None:
    config = Config(
        instance_dir=tmp_path / "instance",
        database_url=engine.url.render_as_string(hide_password=False),
        secret_key="k",
        testing=True,
    )
    container = Container.build(config, synchronous_jobs=True)
    for _ in range(2):  # twice, as `servicedesk demo` loads it: nothing counted twice
        load_demo(container.uow)
        lines = load_contract_demo(container.uow)
    with container.uow() as uow:
        contract = uow.session.scalars(select(Contract)).one()
        assert contract.number == NUMBER and lines == [
            f"  a service contract: /contracts/{contract.id}"
        ]
        counted = list(uow.session.scalars(select(IncidentUse.request_id)))
        requests = {
            r.id: (r.sla_policy, r.status.value)
            for r in uow.session.scalars(
                select(ServiceRequest).where(ServiceRequest.id.in_(counted))
            )
        }
    assert len(counted) == 2
    assert sorted(requests.values()) == [("Contract gold", "new"), ("Contract gold", "solved")]
    client = create_app(container=container).test_client()
    assert sign_in(client, "agent@demo.local", "demo-agent").status_code == 302
    for request_id in counted:
        page = client.get(f"/console/requests/{request_id}").get_data(as_text=True)
        assert NUMBER in page
        assert "Entitlement left: <strong>10 of 12 incidents left, 19.17 of 20 hours left" in page
    listing = client.get("/contracts/").get_data(as_text=True)
    assert "Acme Corp" in listing and "10 of 12 incidents left" in listing
