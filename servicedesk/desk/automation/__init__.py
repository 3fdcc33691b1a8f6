"""Automation: triggers on request changes, time-based rules, canned replies (no Flask)."""
