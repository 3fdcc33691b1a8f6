"""CLI commands (placeholder until the family lands)."""

import click

commands: list[click.Command] = []
