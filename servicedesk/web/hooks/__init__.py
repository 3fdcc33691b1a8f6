"""Web hooks of other services: Slack's Events API, commands and interactivity."""
