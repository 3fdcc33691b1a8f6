"""Import N generated customers from CSV, then find duplicates: rows/s and peak memory.

python -m bench.crm_import [--n 100000] [--database-url URL] [--json-out FILE]

The file has customers of 2 000 organisations with names in several languages, phones in
national and international forms, mixed date formats, 5% duplicates that differ in case,
spacing or accents (half of them under a private address), and 1% bad rows. It runs the
real `run_import` (batches of 500) and `find_duplicates` on a fresh database (SQLite file
by default; PostgreSQL with --database-url postgresql+psycopg://postgres@127.0.0.1/DB).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import tempfile
import time
import unicodedata
from pathlib import Path

from cryptography.fernet import Fernet

import servicedesk.schema  # noqa: F401  (every table)
from bench.people import LAST, ascii_local, person_name
from crm_core.crypto import FieldCrypto, session_info
from crm_core.db import Base, UnitOfWork, make_engine, make_session_factory
from crm_core.dedupe import find_duplicates
from crm_core.importing import IMPORT_KINDS, ImportOptions, RowSettings, run_import
from crm_core.normalise import DateOrder

RESULTS = Path(__file__).resolve().parent / "results"
HEADER = ["First name", "Last name", "E-Mail", "Telefon", "Company", "Customer since", "Address"]


def person(i: int, rnd: random.Random) -> list[str]:
    first, last = person_name(rnd)
    local = f"{ascii_local(first, last)}.{i}"
    org = rnd.randrange(2000)
    email = f"{local}@org{org}.example"
    digits = f"{rnd.randrange(10**7, 10**8)}"
    phone = rnd.choice([f"+49 151 {digits}", f"0151 {digits}", f"0049151{digits}"])
    day = f"{rnd.randrange(1, 29):02d}"
    since = rnd.choice([f"2023-03-{day}", f"{day}.03.2023", f"March {day}, 2023"])
    address = f"{rnd.randrange(1, 200)} {rnd.choice(LAST)}straße, Berlin"
    return [first, last, email, phone, f"Org {org}", since, address]


def variant(row: list[str], rnd: random.Random) -> list[str]:
    """The same person again, written by another system: case, spacing and accents
    differ; half the time under a private address (a fuzzy duplicate for dedupe)."""
    first, last, email, phone, *rest = row
    if rnd.random() < 0.5:
        first = unicodedata.normalize("NFKD", first).encode("ascii", "ignore").decode()
    if rnd.random() < 0.5:
        email, phone = f"{email.split('@')[0]}@gmail.com", ""
    return [f" {first.upper()} ", f"{last}  ", email.upper(), phone, *rest]


def generate(path: Path, n: int, seed: int = 7) -> None:
    rnd = random.Random(seed)
    rows: list[list[str]] = []
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(HEADER)
        for i in range(n):
            roll = rnd.random()
            if roll < 0.05 and rows:
                row = variant(rnd.choice(rows), rnd)
            elif roll < 0.06:
                row = ["Bad", "Row", f"broken{i}@", "12", "", "31/02/2023", ""]
            else:
                row = person(i, rnd)
                rows.append(row) if len(rows) < 5000 else None
            writer.writerow(row)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--database-url")
    parser.add_argument("--json-out", type=Path, default=RESULTS / "crm_import.json")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="crm-import-bench-"))
    path = workdir / "customers.csv"
    generate(path, args.n)
    engine = make_engine(args.database_url or f"sqlite:///{workdir / 'bench.db'}")
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    # Fresh random field keys, as the container would derive or read them.
    crypto = FieldCrypto((Fernet.generate_key().decode(),), os.urandom(32))
    sessions = make_session_factory(engine, session_info(crypto))
    before = peak_mb()
    start, cpu_start = time.perf_counter(), time.process_time()
    options = ImportOptions(settings=RowSettings("DE", DateOrder.DAY_FIRST), started_by="bench")
    report = run_import(lambda: UnitOfWork(sessions), IMPORT_KINDS["customers"], path, options)
    imported, import_cpu = time.perf_counter() - start, time.process_time() - cpu_start
    after_import = peak_mb()
    start = time.perf_counter()
    with UnitOfWork(sessions) as uow:
        pairs = find_duplicates(uow.session)
    deduped = time.perf_counter() - start
    result = {
        "rows": args.n,
        "database": engine.dialect.name,
        "import_s": round(imported, 1),
        "import_rows_per_s": round(args.n / imported),
        # CPU time of this process per row: steadier than wall time on a shared machine
        # (the database server's own time is not in it).
        "import_cpu_ms_per_row": round(1000 * import_cpu / args.n, 3),
        "dedupe_s": round(deduped, 1),
        "candidate_pairs": len(pairs),
        "peak_rss_mb_before": round(before),
        "peak_rss_mb_after_import": round(after_import),
        "peak_rss_mb_after_dedupe": round(peak_mb()),
        "counts": dict(report.counts),
    }
    for name, value in result.items():
        print(f"{name:26} {value}")
    args.json_out.parent.mkdir(parents=True, exist_ok=True)
    args.json_out.write_text(json.dumps(result, indent=2))
    engine.dispose()


if __name__ == "__main__":
    main()
