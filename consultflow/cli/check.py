"""``consultflow check``: scan the record for facts that contradict the procedure across linked instances."""

from __future__ import annotations

import typer

from consultflow.cli.app import app
from consultflow.cli.state import Options, console, errors, print_json


@app.command("check")
def check(ctx: typer.Context) -> None:
    """List every violation of the cross-instance invariants (an escalated topic without its escalation,
    a consultation on a topic not in consultation...); exit 1 if there is any.

    Every step is checked as it commits; this finds what was written before those checks, or by hand.
    """
    from engine.invariants import check_all

    options: Options = ctx.obj
    engine = options.engine()
    with engine.storage.read() as unit:
        violations = check_all(unit.records)
        topics = len(unit.records.instances("topic", None, 1_000_000))
    if options.json:
        print_json({"topics": topics, "violations": [v.__dict__ for v in violations]})
    elif not violations:
        console.print(f"no violation: {topics} topic(s) and their escalations and consultations agree")
    else:
        for violation in violations:
            errors.print(f"violation: {violation}", markup=False, highlight=False, soft_wrap=True)
        errors.print(f"{len(violations)} violation(s) in {topics} topic(s)", markup=False)
    if violations:
        raise typer.Exit(1)
