"""Service level agreements: calendars, policies, clocks and their due events (no Flask)."""
