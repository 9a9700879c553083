"""The report as PDF: its .docx converted by LibreOffice headless (``soffice --convert-to pdf``), when installed.

Each conversion runs in a temporary folder with its own LibreOffice profile, so that it neither waits for
nor disturbs a LibreOffice the user has open, and two conversions can run at once.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from reports.errors import ReportError

CONVERSION_TIMEOUT = 180.0  # seconds; a cold start of LibreOffice on a busy machine takes a few


class PdfUnavailable(ReportError):
    """PDF output needs LibreOffice (soffice), which is not installed: install libreoffice-writer-nogui."""


def find_soffice() -> str | None:
    """The LibreOffice program on the PATH (``soffice``, else ``libreoffice``), or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def docx_to_pdf(docx: bytes, *, soffice: str | None = None, timeout: float = CONVERSION_TIMEOUT) -> bytes:
    """The PDF of a .docx file, made by LibreOffice headless; ``PdfUnavailable`` when LibreOffice is missing."""
    program = soffice or find_soffice()
    if program is None or shutil.which(program) is None:
        raise PdfUnavailable()
    with tempfile.TemporaryDirectory(prefix="consultflow-pdf-") as folder:
        work = Path(folder)
        source = work / "report.docx"
        source.write_bytes(docx)
        command = [
            program,
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(work),
            str(source),
        ]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)  # noqa: S603
        except subprocess.TimeoutExpired as exc:
            raise ReportError(f"LibreOffice did not convert the report to PDF within {timeout:.0f} s") from exc
        except OSError as exc:
            raise PdfUnavailable(f"cannot run LibreOffice ({program}): {exc.strerror}") from exc
        target = work / "report.pdf"
        if done.returncode != 0 or not target.is_file():
            said = (done.stderr or done.stdout).strip().splitlines()
            reason = said[-1] if said else f"exit status {done.returncode}"
            raise ReportError(f"LibreOffice could not convert the report to PDF: {reason}")
        return target.read_bytes()
