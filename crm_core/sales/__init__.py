"""Sales force automation: leads, scoring, pipelines, opportunities and forecasts."""
