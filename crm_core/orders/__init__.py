"""Orders and the product catalogue."""
