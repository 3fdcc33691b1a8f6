"""Blueprints: thin views that parse input, call one operation and render the result."""
