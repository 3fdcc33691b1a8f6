"""Campaign benchmark: segment counts over N customers (p50/p95) and a campaign send to
N recipients through an aiosmtpd sink (mails/s, resident memory along the way).

python -m bench.campaign_send [--n 100000] [--send-n 100000] [--repeat 15]
    [--backends sqlite,postgresql] [--postgres-url URL] [--json-out FILE] [--profile]

Customers (names from bench/people.py, each with a marketing consent) get a lifecycle
stage, a third of them one to three orders and some a stage change, so every rule kind
does real work. The send goes to the first `--send-n` customers (all of them consented,
none suppressed) and runs `send_campaign` (claim a batch, mark "sending", hand to SMTP,
mark "sent") on one kept-open SMTP connection, rate limit off; the sink runs in this
process (its thread shares the CPU) and counts repeats with one bit per customer. RSS is
read from /proc/self/status every tenth of the run and at 10k, 50k and 100k mails: flat
means the sender keeps no per-recipient state. Wall and CPU time are reported: on a
shared machine CPU time is the steadier one. `--profile` prints cProfile's top functions.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import random
import socket
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.message import Message
from pathlib import Path

from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import Engine

import servicedesk.schema  # noqa: F401  (every table)
from bench.people import ascii_local, person_name
from bench.sales_forecast import timed
from channels.email.smtp import SmtpSettings
from crm_core.access import Viewer
from crm_core.campaigns.compose import SendSettings
from crm_core.campaigns.operations import CampaignDraft, MailDraft, save_campaign
from crm_core.campaigns.segments import count_segment, parse_rules, save_segment, segment_query
from crm_core.campaigns.sending import plan_deliveries, send_campaign
from crm_core.customers.models import Customer, LifecycleStage
from crm_core.db import Base, UnitOfWork, make_engine, make_session_factory
from crm_core.lifecycle.models import StageChange
from crm_core.orders.models import Order, OrderStatus
from crm_core.privacy.consent import ConsentRecord
from servicedesk.campaign_mail import SmtpMailer

RESULTS = Path(__file__).resolve().parent / "results"
RSS_MARKS = {10_000, 50_000, 100_000}
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
NOW = datetime(2026, 11, 1, tzinfo=UTC)
SEGMENTS = {
    "loyal": "stage = loyal",
    "loyal_no_order_60d": "stage = loyal\norders = 0 within 60",
    "churned_90d": "became = churned within 90",
    "revenue_1000_365d": "revenue >= 1000 within 365",
    "not_mailed_30d": "campaigns = 0 within 30\nstage != churned",
}


def seed(engine: Engine, n: int, rnd: random.Random) -> None:
    stages = list(LifecycleStage)
    for start in range(0, n, 10_000):
        customers, orders, changes = [], [], []
        for i in range(start + 1, min(n, start + 10_000) + 1):
            stage = rnd.choice(stages)
            first, last = person_name(rnd)
            customers.append(
                {
                    "id": i,
                    "name": f"{first} {last}",
                    "email": f"{ascii_local(first, last)}.{i}@bench.example",
                    "lifecycle_stage": stage,
                    "vip": False,
                    "created_at": NOW,
                    "updated_at": NOW,
                }
            )
            if i % 3 == 0:
                for _ in range(rnd.randint(1, 3)):
                    at = NOW - timedelta(days=rnd.randrange(400))
                    orders.append(
                        {
                            "customer_id": i,
                            "status": OrderStatus.PAID,
                            "currency": "EUR",
                            "subtotal": Decimal(0),
                            "tax_total": Decimal(0),
                            "total": Decimal(rnd.randrange(20, 2000)),
                            "source": "erp",
                            "ordered_at": at,
                            "created_at": at,
                            "updated_at": at,
                        }
                    )
            if stage is LifecycleStage.CHURNED:
                changes.append(
                    {
                        "customer_id": i,
                        "to_stage": stage,
                        "reason": "bench",
                        "at": NOW - timedelta(days=rnd.randrange(200)),
                    }
                )
        consents = [
            {"customer_id": c["id"], "purpose": "marketing_email", "granted": True,
             "source": "bench", "recorded_at": NOW}
            for c in customers
        ]  # fmt: skip
        with engine.begin() as conn:
            conn.execute(insert(Customer), customers)
            conn.execute(insert(ConsentRecord), consents)
            if orders:
                conn.execute(insert(Order), orders)
            if changes:
                conn.execute(insert(StageChange), changes)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


class CountingSink:
    """Counts mails and repeats: one bit per customer id (read from the address), so the
    check itself adds nothing to the memory measured."""

    def __init__(self, n: int) -> None:
        self.count = self.duplicates = 0
        self.seen = bytearray(n // 8 + 1)
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        customer_id = int(envelope.rcpt_tos[0].split("@")[0].rsplit(".", 1)[1])
        byte, bit = divmod(customer_id, 8)
        with self.lock:
            self.count += 1
            if self.seen[byte] & (1 << bit):
                self.duplicates += 1
            self.seen[byte] |= 1 << bit
        return "250 OK"


def run_send(engine: Engine, send_n: int, profile: bool = False) -> dict[str, object]:
    sessions = make_session_factory(engine)
    uow_factory = lambda: UnitOfWork(sessions)  # noqa: E731
    with uow_factory() as uow:
        segment = save_segment(uow.session, "bench send", "vip != true")
        mails = [
            MailDraft(
                "A",
                "News for {{ customer.first_name }}",
                "Hello {{ customer.name }}",
                '<p>Hi {{ customer.first_name }}, <a href="https://shop.example/x">shop</a></p>',
            )
        ]
        campaign = save_campaign(
            uow.session, Viewer.system(), CampaignDraft("bench", segment_id=segment.id, mails=mails)
        )
        audience = segment_query(parse_rules(segment.rules), NOW).where(Customer.id <= send_n)
        planned = plan_deliveries(uow.session, campaign, audience, NOW)
        campaign_id = campaign.id
        uow.commit()
    sink = CountingSink(send_n)
    controller, port = _start_sink(sink)
    mailer = SmtpMailer(SmtpSettings.from_url(f"smtp://127.0.0.1:{port}"))
    samples: list[float] = [rss_mb()]
    at_marks: dict[str, float] = {}
    step = max(1, planned // 10)

    def counting(mail: Message, recipient: str) -> None:
        mailer(mail, recipient)
        if sink.count % step == 0:
            samples.append(rss_mb())
        if sink.count in RSS_MARKS:
            at_marks[f"{sink.count // 1000}k"] = rss_mb()

    settings = SendSettings("news@bench.example", "http://bench.test", "secret", batch_size=500)
    profiler = cProfile.Profile() if profile else None
    wall, cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    outcome = send_campaign(
        uow_factory, campaign_id, settings, counting, clock=lambda: datetime.now(UTC)
    )
    if profiler:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(18)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    mailer.close()
    controller.stop()
    return {
        "recipients": planned,
        "sent": outcome.sent,
        "received_by_sink": sink.count,
        "duplicates": sink.duplicates,
        "seconds": round(wall, 1),
        "mails_per_s": round(outcome.sent / wall, 1),
        "cpu_ms_per_mail": round(cpu * 1000 / max(1, outcome.sent), 2),
        "mails_per_cpu_s": round(outcome.sent / cpu, 1) if cpu else None,
        "rss_mb_samples": samples,
        "rss_mb_at": at_marks,
        "rss_mb_growth": round(samples[-1] - samples[1 if len(samples) > 1 else 0], 1),
    }


def _start_sink(sink: CountingSink) -> tuple[Controller, int]:
    """aiosmtpd on a loopback port the kernel picked free a moment ago."""
    free = socket.create_server(("127.0.0.1", 0))
    port = free.getsockname()[1]
    free.close()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, port


def run_backend(
    url: str, n: int, send_n: int, repeat: int, profile: bool = False
) -> dict[str, object]:
    engine = make_engine(url)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    seed(engine, n, random.Random(15))
    sessions = make_session_factory(engine)
    counts: dict[str, object] = {}
    for name, rules in SEGMENTS.items():
        parsed = parse_rules(rules)
        with sessions() as session:
            found = count_segment(session, parsed, NOW)
            counts[name] = {
                "count": found,
                **timed(lambda p=parsed: count_segment(session, p, NOW), repeat),
            }
    result: dict[str, object] = {"segment_counts": counts}
    if send_n:
        result["send"] = run_send(engine, send_n, profile)
    engine.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--send-n", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--backends", default="sqlite")
    parser.add_argument("--postgres-url", default=POSTGRES)
    parser.add_argument("--json-out", type=Path, default=RESULTS / "campaign_send.json")
    parser.add_argument("--profile", action="store_true", help="cProfile the send, print the top")
    args = parser.parse_args()
    report: dict[str, object] = {"n": args.n, "send_n": args.send_n, "at": time.ctime()}
    for backend in args.backends.split(","):
        if backend == "sqlite":
            url = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
            report[backend] = run_backend(url, args.n, args.send_n, args.repeat, args.profile)
        else:
            name = f"bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(args.postgres_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                url = args.postgres_url.rsplit("/", 1)[0] + f"/{name}"
                report[backend] = run_backend(url, args.n, args.send_n, args.repeat, args.profile)
            finally:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        _print(backend, report[backend])  # type: ignore[arg-type]
    args.json_out.parent.mkdir(parents=True, exist_ok=True)
    args.json_out.write_text(json.dumps(report, indent=2))
    print(f"wrote {args.json_out}")


def _print(backend: str, result: dict[str, dict[str, dict[str, object]]]) -> None:
    print(f"\n{backend}: segment counts")
    print(f"{'segment':<22}{'count':>8}{'p50 ms':>9}{'p95 ms':>9}{'cpu ms':>9}")
    for name, row in result["segment_counts"].items():
        print(
            f"{name:<22}{row['count']:>8}{row['p50_ms']:>9}{row['p95_ms']:>9}{row['cpu_ms_mean']:>9}"
        )
    send = result.get("send")
    if send:
        print(
            f"{backend}: send {send['sent']} mails in {send['seconds']} s = "
            f"{send['mails_per_s']} mails/s, {send['cpu_ms_per_mail']} ms CPU per mail; "
            f"{send['duplicates']} duplicates; RSS MB {send['rss_mb_samples']}, "
            f"at {send['rss_mb_at']}"
        )


if __name__ == "__main__":
    main()
