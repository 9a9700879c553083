"""The command-line interface (typer + rich): the composition root of consultflow."""

from consultflow.cli.app import app, main

__all__ = ["app", "main"]
