"""Errors raised by the notifications package.

Every error derives from :class:`NotificationError`. The engine will later re-parent that class under
its own root (``ConsultflowError``); keep all notification errors in this one module so that change is
one line. Each class's docstring is its default message; the fields carry the data.
"""

from __future__ import annotations


class NotificationError(Exception):
    """A notice could not be prepared or sent."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or (type(self).__doc__ or type(self).__name__).strip())


class UnknownNotice(NotificationError):
    """No such notice id."""

    def __init__(self, notice_id: str) -> None:
        self.notice_id = notice_id
        super().__init__(f"Unknown notice {notice_id!r}: expected N01-N19, N16a or R01-R12.")


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
