"""Checking, inside a step, that the notices it writes can be rendered and built (``Engine.notice_check``).

A value accepted at a step must never make its notices fail later at send time, where nobody can correct
it. The step's drafts go through what the dispatcher does (the JSON the outbox stores, the context check,
the template, the message with its headers); any failure refuses the step with ``NoticeUnsendable``.
One draft per notice, language and kind of copy is enough: the drafts of one notice differ only by their
recipient, whose directory entry was checked when imported.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from engine.catalogue import Catalogue
from engine.errors import NoticeUnsendable
from engine.planning import OutboxDraft
from notifications.context import check_context
from notifications.errors import NotificationError
from notifications.message import build_message, message_id_for, parse_mailbox
from notifications.rendering import render_notice

# The real sender and mail domain are the dispatcher's settings; they do not change what a value can break.
_SENDER = parse_mailbox("consultflow <check@consultflow.invalid>")


def check_drafts(catalogue: Catalogue, drafts: Sequence[OutboxDraft]) -> None:
    """Render and build one message per (notice, language, copy) of ``drafts``; NoticeUnsendable if one fails."""
    seen: set[tuple[str, str, bool]] = set()
    for draft in drafts:
        key = (draft.notice, draft.recipient.language, draft.for_information)
        if key in seen:
            continue
        seen.add(key)
        try:
            stored = json.loads(json.dumps(dict(draft.context)))  # what the outbox row will hold
            context = check_context(stored)
            rendered = render_notice(draft.notice, context["recipient"]["language"], context)
            build_message(
                rendered,
                notice=catalogue.notices[draft.notice],
                sender=_SENDER,
                recipient=context["recipient"],
                context=context,
                message_id=message_id_for(0, "consultflow.invalid"),
                date=datetime.fromisoformat(str(stored["at"])),  # the step's own time
            )
        except (NotificationError, TypeError, ValueError) as exc:
            raise NoticeUnsendable(
                f"notice {draft.notice} ({draft.recipient.language}) could not be sent with these values: {exc} "
                "(nothing was written)"
            ) from exc
