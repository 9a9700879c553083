"""Every command of the installed CLI, given bad arguments as a careless user would: one line on stderr, a
documented exit code (1 bad input, 3 refused, 4 not found, 5 conflict or busy), never a traceback, a box or 70."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import typer

from consultflow.cli import app
from consultflow.cli import commands as _commands  # noqa: F401 - registers the sub-commands on the app
from tests.acceptance.test_cli import CLI

DOCUMENTED = {1, 3, 4, 5}
HUGE = "99999999999999999999999"
UNREACHABLE_DB = "sqlite:////nonexistent-folder/consultflow.db"
BOX = ("╭", "│", "╰")


def _leaves(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every runnable command of the typer app, with its words (``("outbox", "retry")``)."""
    children = getattr(command, "commands", None)
    if children is None:
        yield path, command
        return
    for name, child in sorted(children.items()):
        yield from _leaves(child, (*path, name))


COMMANDS = list(_leaves(typer.main.get_command(app)))


def _kind(param: Any) -> str:
    return str(getattr(getattr(param, "type", None), "name", "text")).lower()


def _placeholder(param: Any, a_file: Path) -> str:
    kind = _kind(param)
    if kind.startswith("int"):
        return "1"
    if kind == "path":
        return str(a_file)
    return "nobody"


def bad_calls(words: tuple[str, ...], command: Any, a_file: Path) -> list[list[str]]:
    """The bad argument lists tried on one command: each must end in one line and a documented code."""
    arguments = [p for p in command.params if getattr(p, "param_type_name", "") == "argument"]
    options = [p for p in command.params if getattr(p, "param_type_name", "") == "option"]
    required = [_placeholder(p, a_file) for p in arguments if p.required]
    for p in options:  # required options (`--as`, `--lang`...) get a placeholder too
        if p.required:
            required += [p.opts[0], "en" if p.opts[0] == "--lang" else "nobody"]
    calls = [[*words, *required, "--no-such-option"]]
    if any(p.required for p in arguments):
        calls.append([*words])  # a missing argument
    for p in arguments:
        if _kind(p).startswith("int"):
            position = arguments.index(p)
            for value in ("abc", HUGE, "-5"):
                given = [_placeholder(a, a_file) for a in arguments if a.required]
                given[position] = value
                calls.append([*words, *given, *required[len(given) :]])
    for p in options:
        name, kind = p.opts[0], _kind(p)
        if kind.startswith(("int", "float")):
            calls += [[*words, *required, name, value] for value in ("abc", HUGE, "-5")]
        elif kind == "path":
            calls.append([*words, *required, name, str(a_file / "below-a-file")])
        elif name == "--now":
            calls += [[*words, *required, name, value] for value in ("yesterday", "9999-12-31", "0001-01-01")]
    if words != ("demo",):  # the demo keeps its own database; with a fine scenario it would run to the end
        calls.append(["--db", UNREACHABLE_DB, *words, *required])
    calls.append(["--workflows", "/nonexistent-folder", *words, *required])
    return calls


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONSULTFLOW_")} | {"COLUMNS": "80"}
    return subprocess.run(
        [CLI, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=60, stdin=subprocess.DEVNULL
    )


@pytest.mark.parametrize(("words", "command"), COMMANDS, ids=[" ".join(w) for w, _ in COMMANDS])
def test_bad_arguments_give_one_line_and_a_documented_code(
    words: tuple[str, ...], command: Any, tmp_path: Path
) -> None:
    """Unknown options, missing or malformed arguments, out-of-range numbers, impossible dates, a path below a
    file, an unreachable database, a missing workflows folder: each is one line on stderr with code 1, 3, 4 or 5."""
    a_file = tmp_path / "plain.txt"
    a_file.write_text("not a directory\n", encoding="utf-8")
    calls = [
        ["--db", f"sqlite:///{tmp_path / 'cf.db'}", *c] if c[0] != "--db" else c
        for c in bad_calls(words, command, a_file)
    ]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda c: run(c, tmp_path), calls))
    problems = []
    for call, result in zip(calls, results, strict=True):
        lines = result.stderr.splitlines()
        if result.returncode == 0 and "--no-such-option" not in call:
            continue  # e.g. `workflows list` needs no database: nothing was wrong for it
        if (
            result.returncode not in DOCUMENTED
            or len(lines) != 1
            or not lines[0].startswith("error: ")
            or any(mark in result.stderr for mark in BOX)
        ):
            problems.append(f"{' '.join(call)} -> exit {result.returncode}:\n{result.stderr}")
    assert not problems, "\n".join(problems)


def test_usage_errors_name_the_command_help(tmp_path: Path) -> None:
    """A usage error is typer's message in one sentence, pointing at the command's --help, exit 1."""
    result = run(["outbox", "retry", "abc"], tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("error: Invalid value for 'ID'")
    assert result.stderr.rstrip().endswith("(see `consultflow outbox retry --help`)")


def test_debug_keeps_the_traceback(tmp_path: Path) -> None:
    """--debug shows where an error came from: the traceback is printed, not the one-line summary."""
    result = run(["--debug", "--workflows", "/nonexistent-folder", "list"], tmp_path)
    assert result.returncode != 0 and "Traceback" in result.stderr and "DefinitionError" in result.stderr


def test_a_cp1252_directory_is_refused_in_one_sentence_or_read_with_its_encoding(tmp_path: Path) -> None:
    """A spreadsheet export in cp1252 is refused with a hint, read correctly with --encoding cp1252, and a UTF-8
    byte-order mark is honoured whatever --encoding says."""
    header = "id,name,email,language,roles,member_state,organisation\n"
    row = "sec.rene,René Müller,rene@itu.example,fr,secretariat,,\n"
    exported = tmp_path / "export.csv"
    exported.write_bytes((header + row).encode("cp1252"))
    db = ["--db", f"sqlite:///{tmp_path / 'cf.db'}"]
    refused = run([*db, "people", "import", str(exported)], tmp_path)
    assert refused.returncode == 1, refused.stderr
    assert refused.stderr.strip() == (
        "error: export.csv is not valid utf-8: byte 0xe9 at offset 67 "
        "(a spreadsheet export is often cp1252: try --encoding cp1252)"
    )
    assert run([*db, "people", "import", str(exported), "--encoding", "cp1252"], tmp_path).returncode == 0
    with_bom = tmp_path / "bom.csv"
    with_bom.write_bytes(b"\xef\xbb\xbf" + (header + row.replace("sec.rene", "sec.bom")).encode("utf-8"))
    assert run([*db, "people", "import", str(with_bom), "--encoding", "latin-1"], tmp_path).returncode == 0
    listed = run([*db, "--json", "people", "list"], tmp_path).stdout
    assert listed.count("René Müller") == 2


def test_an_oversized_csv_field_is_one_line(tmp_path: Path) -> None:
    """A field over the csv module's limit (131,072 characters) is refused as bad input, not an internal error."""
    big = tmp_path / "big.csv"
    big.write_text(
        "id,name,email,language,roles,member_state,organisation\n"
        + "sec.x,"
        + "x" * 140_000
        + ",x@itu.example,en,secretariat,,\n",
        encoding="utf-8",
    )
    result = run(["--db", f"sqlite:///{tmp_path / 'cf.db'}", "people", "import", str(big)], tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == "error: cannot read big.csv as CSV: field larger than field limit (131072)"
