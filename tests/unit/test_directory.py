"""Directory CSV import: every bad row is one clear sentence naming the line, and nothing is partly imported."""

from __future__ import annotations

import pytest

from engine.directory import read_people_csv
from engine.errors import DirectoryError

HEADER = "id,name,email,language,roles,member_state,organisation\n"


def test_a_good_file_reads_every_person() -> None:
    """Roles may be separated by spaces, commas or semicolons; languages are normalised to lower case."""
    people = read_people_csv(HEADER + "ms.fr,Jeanne Dupont,j@d.example,FR,member_state;vice_chair,France,\n", "p.csv")
    assert people[0].roles == ("member_state", "vice_chair") and people[0].language == "fr"


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("x,X,not-an-address,en,chair,,", "line 3: 'not-an-address' is not a valid e-mail address"),
        ("x,X,a@b.example\r\nBcc: evil@x.example,en,chair,,", "line 3: missing language, roles"),
        ("x,X,a@b.example,de,chair,,", "language 'de' is not one of en, fr, es, ar, ru, zh"),
        ("x,X,a@b.example,en,king,,", "unknown role(s) king"),
        ("x,X,a@b.example,en,member_state,,", "needs the Member State they represent"),
        ("system,X,a@b.example,en,chair,,", "'system' cannot be used as a person id"),
        (",X,a@b.example,en,chair,,", "missing id"),
        ('x,"X\nY",a@b.example,en,chair,,', "name: contains a line break"),
        ("x,X,=?utf-8?q?a=0A?=@b.example,en,chair,,", "is not a valid e-mail address"),
    ],
)
def test_bad_rows_are_refused(row: str, reason: str) -> None:
    """Each malformed entry is refused with a sentence naming the line and the problem."""
    with pytest.raises(DirectoryError) as refused:
        read_people_csv(HEADER + "ok,Ok,ok@b.example,en,chair,,\n" + row + "\n", "p.csv")
    assert reason in str(refused.value)


def test_missing_columns_are_named() -> None:
    """A header without the required columns says which are missing."""
    with pytest.raises(DirectoryError, match="lacks column\\(s\\) email, language"):
        read_people_csv("id,name,roles\nx,X,chair\n", "p.csv")


def test_duplicate_ids_are_refused() -> None:
    """One id, one person."""
    with pytest.raises(DirectoryError, match="id 'x' appears twice"):
        read_people_csv(HEADER + "x,X,a@b.example,en,chair,,\nx,Y,c@d.example,en,chair,,\n", "p.csv")
