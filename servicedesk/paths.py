"""Where the application's own files are: templates, static files, the npm packages."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the checkout; node_modules/ lives here
TEMPLATES = ROOT / "templates"
STATIC = ROOT / "servicedesk" / "static"
