"""What the web desk and the API are configured with (built by the composition root, ``consultflow serve``)."""

from __future__ import annotations

from dataclasses import dataclass

SESSION_COOKIE = "consultflow_session"


@dataclass(frozen=True)
class WebSettings:
    """Signing key, cookie and session lifetime, the login rate limit, the largest document upload."""

    secret_key: str
    session_max_age: int = 12 * 3600  # seconds a browser session stays valid without logging in again
    secure_cookies: bool = False  # set behind HTTPS; plain HTTP on loopback needs it off
    login_attempts: int = 5  # failed log-ins allowed per person (and 4x that per client address) ...
    login_window: float = 300.0  # ... in this many seconds
    dashboard_days: int = 14
    upload_max_bytes: int = 10_000_000  # a document a person adds to an instance (10 MB)
