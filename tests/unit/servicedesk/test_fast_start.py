"""Starting the CLI or the web app loads no heavy library before something uses it.

scikit-learn, torch, sentence-transformers, whoosh and jieba each take a large part
of a second or more to import; `servicedesk --help` and a one-mail `mail ingest` must
start in well under a second. Each check runs in a fresh interpreter.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEAVY = ("sklearn", "scipy", "torch", "sentence_transformers", "whoosh", "jieba")


def loaded_after(code: str) -> list[str]:
    """Which of the heavy modules (and NumPy, alembic) `code` leaves in sys.modules."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(m for m in sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    watched = (*HEAVY, "numpy", "alembic")
    return [m for m in json.loads(out.splitlines()[-1]) if m in watched]


def test_the_command_line_imports_nothing_heavy() -> None:
    assert loaded_after("import servicedesk.entry, servicedesk.cli") == []


def test_the_app_factory_builds_the_app_without_heavy_libraries(tmp_path: Path) -> None:
    code = (
        "from pathlib import Path\n"
        "from servicedesk.app import create_app\n"
        "from servicedesk.config import Config\n"
        f"here = Path({str(tmp_path)!r})\n"
        "create_app(Config(here, f'sqlite:///{here / \"t.db\"}', 'k'))"
    )
    # NumPy comes with the routing code; alembic and the rest only when used.
    assert [m for m in loaded_after(code) if m != "numpy"] == []


def test_the_probe_sees_a_heavy_import() -> None:
    assert loaded_after("import whoosh") == ["whoosh"]
