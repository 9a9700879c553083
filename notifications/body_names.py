"""The body's name and code in the reader's language, and Council's sessions named in it.

English and French come from ``body.yaml`` through the context (``name_en``, ``name_fr``, ``code``, ``code_fr``).
For Arabic, Chinese, Russian and Spanish the context carries ``name_<lang>`` and ``code_<lang>`` once the body
configuration gives them; until then the official names of CWG-Internet in the ITU's six languages are used,
and any other body keeps its English name and code (never a wrong translation).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

OFFICIAL_NAMES: dict[str, dict[str, tuple[str, str]]] = {
    "CWG-Internet": {
        "es": (
            "Grupo de Trabajo del Consejo sobre cuestiones de política pública internacional relacionadas con Internet",
            "GTC-Internet",
        ),
        "ru": (
            "Рабочая группа Совета по вопросам международной государственной политики, касающимся интернета",
            "РГС-Интернет",
        ),
        "ar": ("فريق العمل التابع للمجلس المعني بقضايا السياسات العامة الدولية المتعلقة بالإنترنت", "CWG-Internet"),
        "zh": ("理事会国际互联网公共政策问题工作组", "CWG-Internet"),
    }
}
"""By the body's English code, then language: (name, code) as the ITU's documents in that language write them."""

_COUNCIL_SESSION = re.compile(r"^Council (\d{4})$")
_SESSIONS = {
    "en": "Council {year}",
    "fr": "Conseil {year}",
    "es": "Consejo de {year}",
    "ru": "Совета {year} года",  # the template writes "сессия", "сессии"... as its sentence needs
    "ar": "دورة المجلس لعام {year}",
    "zh": "{year}年理事会会议",
}


def body_name(language: str, body: Mapping[str, object]) -> str:
    """The body's full name for a reader of ``language`` ("Grupo de Trabajo del Consejo sobre ...")."""
    return _names(language, body)[0]


def body_code(language: str, body: Mapping[str, object]) -> str:
    """The body's short name for a reader of ``language`` ("GTC-Internet", "РГС-Интернет")."""
    return _names(language, body)[1]


def council_session(language: str, value: object) -> str:
    """A Council session as recorded ("Council 2019") named in ``language`` ("Consejo de 2019"); other text as is.

    Russian gives the words after "сессия" ("Совета 2019 года"), so the template declines "сессия" itself.
    """
    text = str(value)
    match = _COUNCIL_SESSION.match(text)
    return _SESSIONS.get(language, _SESSIONS["en"]).format(year=match[1]) if match else text


def _names(language: str, body: Mapping[str, object]) -> tuple[str, str]:
    """(name, code) from the context's ``name_<lang>``/``code_<lang>``, the official table, or English."""
    english = (str(body.get("name_en", body["code"])), str(body["code"]))
    if language == "en":
        return english
    if language == "fr":
        return str(body.get("name_fr", body["code_fr"])), str(body["code_fr"])
    official = OFFICIAL_NAMES.get(str(body["code"]), {}).get(language, english)
    name, code = body.get(f"name_{language}"), body.get(f"code_{language}")
    return (str(name) if name else official[0], str(code) if code else official[1])
