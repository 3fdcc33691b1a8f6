"""The console's customer list at 100k customers: p50/p95 per kind of page, and CPU.

python -m bench.crm_customer_list [--n 100000] [--database-url URL] [--repeat 30]
                                  [--json-out FILE]

Loads N generated customers (names in several languages, company and free-mail emails,
phones stored encrypted with their digests, 2 000 organisations, owners, stages, tiers
and tags) straight into a fresh database, then requests GET /crm/customers through the
Flask test client as an admin and as a sales rep: the first page, filtered pages, a
search by name, email, phone and organisation, and a deep page. Prints a table and
writes JSON. Without --database-url it uses a SQLite file; with a PostgreSQL URL it
creates and drops its own database beside the one named.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import create_engine, insert, text

import servicedesk.schema  # noqa: F401  (every table)
from bench.people import LAST, ascii_local, person_name
from crm_core.crypto import FieldCrypto, crypto_of
from crm_core.customers import (
    ChannelIdentity,
    Customer,
    IdentityKind,
    LifecycleStage,
    Organization,
    Tag,
)
from crm_core.customers.records import customer_tags
from crm_core.db import Base, utcnow
from crm_core.normalise import fold
from crm_core.organisations.models import OrganizationDomain
from servicedesk.app import create_app
from servicedesk.config import Config
from servicedesk.container import Container
from servicedesk.desk.accounts import create_agent

RESULTS = Path(__file__).resolve().parent / "results"
ORG_WORDS = [
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Tyrell",
    "Cyberdyne",
    "Soylent",
    "Hooli",
    "Vandelay",
    "Wonka",
    "Gringotts",
    "Oscorp",
    "Aperture",
]
FREEMAIL = ["gmail.com", "yahoo.com", "outlook.com", "web.de", "qq.com", "gmx.de"]
TAGS = ["beta", "reseller", "partner", "newsletter", "trial", "churn risk", "enterprise pilot",
        "vip", "event 2026", "referral", "edu", "non-profit", "government", "agency",
        "startup", "smb", "emea", "apac", "americas", "webinar"]  # fmt: skip
REPS = 20
_BATCH = 5000


def load(container: Container, n: int, seed: int = 11) -> dict[str, object]:
    """Insert the organisations, customers, identities and tags; what the pages ask for."""
    rnd = random.Random(seed)
    with container.sessions() as session:
        crypto = crypto_of(session)
    with container.engine.begin() as conn:
        orgs = [f"{rnd.choice(ORG_WORDS)} {w} {i}" for i, w in
                enumerate(rnd.choices(LAST, k=2000))]  # fmt: skip
        conn.execute(insert(Organization), [
            {"id": i + 1, "name": name, "name_key": fold(name), "tier": "standard",
             "domain": f"org{i + 1}.example", "created_at": utcnow()}
            for i, name in enumerate(orgs)
        ])  # fmt: skip
        conn.execute(insert(OrganizationDomain), [
            {"organization_id": i + 1, "domain": f"org{i + 1}.example"} for i in range(2000)
        ])  # fmt: skip
        conn.execute(insert(Tag), [{"id": i + 1, "name": t, "name_key": fold(t)}
                                   for i, t in enumerate(TAGS)])  # fmt: skip
    probe: dict[str, object] = {}
    for start in range(0, n, _BATCH):
        rows, identities, tags, phones = _batch(rnd, crypto, start, min(n, start + _BATCH))
        with container.engine.begin() as conn:
            conn.execute(insert(Customer), rows)
            conn.execute(insert(ChannelIdentity), identities)
            conn.execute(insert(customer_tags), tags)
        middle = n // 2 - start
        if 0 <= middle < len(rows):  # the search targets: a customer half-way down
            row = rows[middle]
            org = row["organization_id"] or 1
            probe = {"name": row["name"], "email": row["email"], "phone": phones[middle],
                     "organisation": orgs[org - 1]}  # fmt: skip
    if container.engine.dialect.name == "postgresql":
        with container.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    return probe


def _batch(rnd: random.Random, crypto: FieldCrypto, start: int, end: int):  # type: ignore[no-untyped-def]
    rows, identities, tags = [], [], []
    now = utcnow()
    for i in range(start, end):
        first, last = person_name(rnd)
        name = f"{first} {last}"
        org = rnd.randrange(1, 2001) if rnd.random() < 0.7 else None
        domain = f"org{org}.example" if org else rnd.choice(FREEMAIL)
        email = f"{ascii_local(first, last)}.{i}@{domain}"
        phone = f"+4915{rnd.randrange(10**8, 10**9)}"
        rows.append({
            "id": i + 1, "name": name, "name_key": fold(name), "email": email,
            "phone": crypto.encrypt(phone), "phone_hash": crypto.digest(phone), "_phone": phone,
            "organization_id": org, "vip": False, "created_at": now, "updated_at": now,
            "lifecycle_stage": rnd.choices(list(LifecycleStage), [40, 20, 20, 10, 10])[0],
            "tier": rnd.choices(["standard", "premium", "enterprise"], [80, 15, 5])[0],
            "owner_id": rnd.randrange(1, REPS + 1) if rnd.random() < 0.6 else None,
        })  # fmt: skip
        identities.append({"customer_id": i + 1, "kind": IdentityKind.EMAIL, "address": email,
                           "bouncing": False, "created_at": now})  # fmt: skip
        for tag in rnd.sample(range(1, len(TAGS) + 1), rnd.choice([0, 0, 1, 1, 2, 3])):
            tags.append({"customer_id": i + 1, "tag_id": tag})
    phones = [str(row.pop("_phone")) for row in rows]
    return rows, identities, tags, phones


def pages(probe: dict[str, object], n: int) -> dict[str, str]:
    """The requests measured, by name."""
    return {
        "first page": "/crm/customers",
        "filter: stage": "/crm/customers?stage=loyal",
        "filter: tier + owner": "/crm/customers?tier=premium&owner=3",
        "filter: tag": "/crm/customers?tag=churn+risk",
        "search: name": "/crm/customers?" + urlencode({"q": probe["name"]}),
        "search: email": "/crm/customers?" + urlencode({"q": probe["email"]}),
        "search: phone": "/crm/customers?" + urlencode({"q": probe["phone"]}),
        "search: organisation": "/crm/customers?" + urlencode({"q": probe["organisation"]}),
        "deep page": f"/crm/customers?after={n // 50}",
    }


def measure(client, path: str, repeat: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    client.get(path)  # warm: templates, plans, caches
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    walls.sort()
    return {
        "p50_ms": round(statistics.median(walls), 1),
        "p95_ms": round(walls[max(0, int(len(walls) * 0.95) - 1)], 1),
        "cpu_ms": round(statistics.median(cpus), 1),
    }


@contextmanager
def database(url: str | None, workdir: Path) -> Iterator[str]:
    if not url or url.startswith("sqlite"):
        yield url or f"sqlite:///{workdir / 'bench.db'}"
        return
    name = f"crm_list_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def sign_in(app, email: str, password: str):  # type: ignore[no-untyped-def]
    import re

    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token
    client.post("/login", data={"email": email, "password": password, "csrf_token": token[1]})
    return client


def run(url: str, n: int, repeat: int, workdir: Path) -> dict[str, object]:
    config = Config(instance_dir=workdir / "instance", database_url=url,
                    secret_key=uuid.uuid4().hex, testing=True)  # fmt: skip
    container = Container.build(config, synchronous_jobs=True)
    Base.metadata.drop_all(container.engine)
    Base.metadata.create_all(container.engine)
    with container.uow() as uow:
        for rep in range(1, REPS + 1):  # ids 1..20 own the customers
            create_agent(uow.session, f"rep{rep}@bench.example", "bench-password",
                         name=f"Rep {rep}", roles=["sales"])  # fmt: skip
        create_agent(uow.session, "admin@bench.example", "bench-password", roles=["admin"])
        uow.commit()
    started = time.perf_counter()
    probe = load(container, n)
    loaded = time.perf_counter() - started
    app = create_app(container=container)
    admin = sign_in(app, "admin@bench.example", "bench-password")
    rep = sign_in(app, "rep3@bench.example", "bench-password")
    results = {name: measure(admin, path, repeat) for name, path in pages(probe, n).items()}
    results["sales rep: first page"] = measure(rep, "/crm/customers", repeat)
    results["sales rep: search name"] = measure(rep, pages(probe, n)["search: name"], repeat)
    container.engine.dispose()
    return {"database": container.engine.dialect.name, "customers": n,
            "load_s": round(loaded, 1), "pages": results}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--database-url", action="append", default=None,
                        help="repeatable; default: a SQLite file")  # fmt: skip
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--json-out", type=Path, default=RESULTS / "crm_customer_list.json")
    args = parser.parse_args()
    report = []
    for url in args.database_url or [None]:
        workdir = Path(tempfile.mkdtemp(prefix="crm-list-bench-"))
        with database(url, workdir) as real_url:
            result = run(real_url, args.n, args.repeat, workdir)
        report.append(result)
        print(f"\n{result['database']}: {result['customers']} customers "
              f"(loaded in {result['load_s']} s), {args.repeat} requests each")  # fmt: skip
        print(f"{'page':28} {'p50 ms':>8} {'p95 ms':>8} {'CPU ms':>8}")
        for name, figures in result["pages"].items():  # type: ignore[attr-defined]
            print(f"{name:28} {figures['p50_ms']:8} {figures['p95_ms']:8} {figures['cpu_ms']:8}")
    args.json_out.parent.mkdir(parents=True, exist_ok=True)
    args.json_out.write_text(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
