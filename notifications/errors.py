"""Errors raised by the notifications package.

Every error derives from :class:`NotificationError`, itself a ``ConsultflowError``, so the CLI prints
any of them as one line with the class's exit code. Each class's docstring is its default message; the
fields carry the data.
"""

from __future__ import annotations

from engine.errors import ConsultflowError, NotAllowed, NotFound


class NotificationError(ConsultflowError):
    """A notice could not be prepared or sent."""


class UnknownNotice(NotificationError):
    """No such notice id."""

    def __init__(self, notice_id: str) -> None:
        self.notice_id = notice_id
        super().__init__(f"Unknown notice {notice_id!r}: expected N01-N22, N16a or R01-R13.")


class UnknownLanguage(NotificationError):
    """The language is not one of the six ITU languages."""

    def __init__(self, language: str) -> None:
        self.language = language
        super().__init__(f"Unknown language {language!r}: expected one of ar, en, es, fr, ru, zh.")


class TemplateMissing(NotificationError):
    """A notice has no template, not even in English."""

    def __init__(self, notice_id: str, language: str, name: str) -> None:
        self.notice_id, self.language, self.name = notice_id, language, name
        super().__init__(f"Notice {notice_id} has no template {name!r} for language {language!r} nor for English.")


class RenderError(NotificationError):
    """A notice template failed to render (usually a variable missing from the context)."""

    def __init__(self, notice_id: str, language: str, template: str, detail: str) -> None:
        self.notice_id, self.language, self.template, self.detail = notice_id, language, template, detail
        super().__init__(f"Notice {notice_id} ({language}) failed to render {template}: {detail}")


class InvalidContext(NotificationError):
    """A notice context is not shaped as notifications.context.NoticeContext."""

    def __init__(self, path: str, problem: str) -> None:
        self.path, self.problem = path, problem
        super().__init__(f"Notice context is invalid at {path}: {problem}")


class UnsafeHeaderValue(NotificationError):
    """A value meant for a mail header contains characters that could forge headers."""

    def __init__(self, field: str, value: str, problem: str) -> None:
        self.field, self.value, self.problem = field, value, problem
        super().__init__(f"Refused to put the {field} {value!r} in a mail header: {problem}.")


class InvalidAddress(NotificationError):
    """An e-mail address is malformed."""

    def __init__(self, text: str, problem: str) -> None:
        self.text, self.problem = text, problem
        super().__init__(f"Invalid e-mail address {text!r}: {problem}.")


class InvalidMessageInput(NotificationError):
    """A message cannot be built from the values given."""


class InvalidSettings(NotificationError):
    """The SMTP settings are invalid."""


class OutboxMessageNotFound(NotificationError, NotFound):
    """No outbox message has that id."""

    def __init__(self, message_id: int) -> None:
        self.message_id = message_id
        super().__init__(f"no outbox message {message_id} (see `consultflow outbox list`)")


class NotRetryable(NotificationError, NotAllowed):
    """Only a failed outbox message can be put back in the queue."""

    def __init__(self, message_id: int, status: str) -> None:
        self.message_id, self.status = message_id, status
        what = "was sent already" if status == "sent" else f"is {status}, not failed"
        super().__init__(f"outbox message {message_id} {what}; only failed messages can be retried")
