"""Read-side reports over requests (no Flask)."""
