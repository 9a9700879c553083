"""The CLI repeats a few engine defaults so that `--help` loads no engine service: they must stay equal."""

from __future__ import annotations

from consultflow.cli import timers as cli_timers
from engine import timers


def test_the_cli_batch_limit_is_the_engines() -> None:
    assert cli_timers.DEFAULT_LIMIT == timers.DEFAULT_LIMIT
