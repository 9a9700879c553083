"""The command-line interface (typer + rich): the composition root of consultflow."""

from engine.cli.app import app, main

__all__ = ["app", "main"]
