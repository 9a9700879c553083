"""Errors of report generation; each is a ConsultflowError, so the CLI prints one line and exits non-zero."""

from __future__ import annotations

from engine.errors import ConsultflowError, NotAllowed


class ReportError(ConsultflowError):
    """The report could not be generated."""


class NotAMeeting(ReportError):
    """A Chair's report is made from a meeting_cycle instance."""

    def __init__(self, instance_id: str, workflow: str) -> None:
        self.instance_id, self.workflow = instance_id, workflow
        super().__init__(f"{instance_id} is a {workflow}, not a meeting_cycle: give the meeting's id")


class ReportNotReady(ReportError, NotAllowed):
    """The meeting report is not approved yet, so there is no Chair's report to write."""

    def __init__(self, instance_id: str, state: str) -> None:
        self.instance_id, self.state = instance_id, state
        super().__init__(
            f"meeting {instance_id} is in state '{state}': the Chair reports to Council once the meeting report "
            "is approved (fire approve_report first)"
        )


class NoSymbol(ReportError):
    """The meeting has no Council document symbol for the Chair's report yet."""

    def __init__(self, instance_id: str) -> None:
        self.instance_id = instance_id
        super().__init__(
            f"meeting {instance_id} has no Chair's report symbol yet: give one (--symbol C19/nn) or record "
            "chair_report_symbol on the meeting"
        )


class UnknownLanguage(ReportError):
    """There is no report wording in that language."""

    def __init__(self, language: str, available: tuple[str, ...], what: str = "report") -> None:
        self.language, self.available = language, available
        super().__init__(f"no {what} wording in '{language}' (available: {', '.join(available)})")


class UnknownFormat(ReportError):
    """Reports are written as md, html or docx."""

    def __init__(self, fmt: str, available: tuple[str, ...]) -> None:
        self.format, self.available = fmt, available
        super().__init__(f"unknown report format '{fmt}' (available: {', '.join(available)})")


class TranslationsError(ReportError):
    """A translations file could not be read."""


class SettingsError(ReportError):
    """The report settings of body.yaml (``mandate``, ``report``) are not valid."""


class NotAConsultation(ReportError):
    """A compilation of responses is made from a consultation instance."""

    def __init__(self, instance_id: str, workflow: str) -> None:
        self.instance_id, self.workflow = instance_id, workflow
        super().__init__(f"{instance_id} is a {workflow}, not a consultation: give the consultation's id")


class NoCompilationSymbol(ReportError):
    """The consultation has no compilation symbol yet."""

    def __init__(self, instance_id: str, state: str) -> None:
        self.instance_id, self.state = instance_id, state
        super().__init__(
            f"consultation {instance_id} (state '{state}') has no compilation symbol yet: it is recorded by "
            "publish_compilation (compilation_symbol); give --symbol OPCWGINTn/n to build the compilation before"
        )
