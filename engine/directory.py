"""Reading the directory from CSV: one clear error per bad row, nothing imported unless every row is good."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from engine.addresses import AddressProblem, normalise_address
from engine.errors import DirectoryError, FieldError
from engine.fields import check_characters
from engine.records import Person
from engine.roles import DIRECTORY_ROLES

LANGUAGES = ("en", "fr", "es", "ar", "ru", "zh")  # ITU's six official languages
COLUMNS = ("id", "name", "email", "language", "roles", "member_state", "organisation")
REQUIRED = ("id", "name", "email", "language", "roles")


def check_email(text: str, where: str) -> str:
    """The address itself (no display name), or DirectoryError: CR/LF, spaces and malformed addresses are refused.

    The rules are engine.addresses's, the ones every message is built with, so an address accepted here
    is never refused when a notice is sent.
    """
    value = text.strip()
    if any(ch in value for ch in "\r\n\t") or any(ord(ch) < 32 for ch in value):
        raise DirectoryError(f"{where}: the e-mail address contains a control character or line break")
    try:
        return normalise_address(value)
    except AddressProblem as exc:
        raise DirectoryError(f"{where}: '{value}' is not a valid e-mail address ({exc.problem})") from None


MAX_ID, MAX_NAME = 100, 300  # characters of a person id, of a name or organisation


def person_from_row(row: dict[str, str], where: str) -> Person:
    """One directory entry from a CSV row, validated."""
    missing = [c for c in REQUIRED if not (row.get(c) or "").strip()]
    if missing:
        raise DirectoryError(f"{where}: missing {', '.join(missing)}")
    person_id = row["id"].strip()
    if person_id == "system" or not person_id.isprintable() or any(ch.isspace() for ch in person_id):
        raise DirectoryError(f"{where}: '{person_id[:40]}' cannot be used as a person id")
    if len(person_id) > MAX_ID:
        raise DirectoryError(f"{where}: the id has {len(person_id)} characters; at most {MAX_ID}")
    for column in ("name", "member_state", "organisation"):
        # A name goes into every notice's To: header and greeting: one line of text that can be mailed.
        try:
            value = check_characters((row.get(column) or "").strip(), column, multiline=False)
        except FieldError as exc:
            raise DirectoryError(f"{where}: {exc}") from None
        if len(value) > MAX_NAME:
            raise DirectoryError(f"{where}: {column} has {len(value)} characters; at most {MAX_NAME}")
    language = row["language"].strip().lower()
    if language not in LANGUAGES:
        raise DirectoryError(f"{where}: language '{language}' is not one of {', '.join(LANGUAGES)}")
    roles = tuple(r for r in row["roles"].replace(";", " ").replace(",", " ").split() if r)
    unknown = [r for r in roles if r not in DIRECTORY_ROLES]
    if unknown:
        raise DirectoryError(
            f"{where}: unknown role(s) {', '.join(unknown)}; known: {', '.join(sorted(DIRECTORY_ROLES))}"
        )
    member_state = (row.get("member_state") or "").strip() or None
    if "member_state" in roles and member_state is None:
        raise DirectoryError(f"{where}: a member_state focal point needs the Member State they represent")
    return Person(
        id=person_id,
        name=row["name"].strip(),
        email=check_email(row["email"], where),
        language=language,
        roles=roles,
        member_state=member_state,
        organisation=(row.get("organisation") or "").strip() or None,
    )


def read_people_csv(text: str, source: str) -> list[Person]:
    """Every person of a directory CSV (header: id,name,email,language,roles,member_state,organisation)."""
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise DirectoryError(f"{source}: the header lacks column(s) {', '.join(missing)}; expected {','.join(COLUMNS)}")
    people: list[Person] = []
    seen: set[str] = set()
    for number, row in enumerate(reader, start=2):
        person = person_from_row(row, f"{source} line {number}")
        if person.id in seen:
            raise DirectoryError(f"{source} line {number}: id '{person.id}' appears twice")
        seen.add(person.id)
        people.append(person)
    return people


def validate_people(people: Iterable[Person]) -> list[Person]:
    """Check entries built in code the same way as CSV rows."""
    return [
        person_from_row(
            {
                "id": p.id,
                "name": p.name,
                "email": p.email,
                "language": p.language,
                "roles": " ".join(p.roles),
                "member_state": p.member_state or "",
                "organisation": p.organisation or "",
            },
            f"person {p.id}",
        )
        for p in people
    ]
