"""The router: classify every request (category, priority, language) and assign it."""
