"""The ``email`` policy of built messages: the stdlib's default, with header objects made once and folded once.

``email.policy.default`` parses every header value it is given into a new header object (building a new header
class for it first, ``HeaderRegistry.__getitem__``), and the generator folds every header again each time a
message is flattened. Most headers of a notice are the same in every message: ``From``, ``List-Id``, the
subject of a notice in one language, each part's ``Content-Type``, ``Content-Transfer-Encoding`` and
``MIME-Version``. :data:`MAIL_POLICY` is ``email.policy.default`` with a header factory that keeps

- one header class per header name (the stdlib makes a new one per header);
- the last :data:`HEADER_CACHE_SIZE` header objects by exact (name, value) for a value given as text or as one
  ``Address`` (display name, user, domain), except the headers of :data:`PER_MESSAGE` (To, Cc, Message-ID):
  a value seen again is the same, immutable object (a header object is a ``str`` with its parse tree; nothing
  in ``email`` changes one in place: setting a parameter or a boundary stores a new object);
- each header object's folded text per (line separator, maximum line length, utf8): folding is a pure
  function of the parse tree and those three policy settings (``email._header_value_parser._refold_parse_tree``
  reads no other), so the text is the stdlib's own, byte for byte;
- a reader's folded ``To`` line, by exactly their header name, display name, user and domain, for the last
  :data:`READER_FOLDS` readers (their header object itself is made afresh for each message).

Messages stay ``EmailMessage`` objects, built with ``set_content``/``add_alternative``/``add_attachment`` and
flattened by the stdlib generator; only repeated work is skipped. Everything is keyed on the exact value, so a
message can only ever get what that same value gives: never another reader's name or address.
"""

from __future__ import annotations

import functools
import random
import sys
import threading
from collections import OrderedDict
from email.headerregistry import Address, BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.policy import EmailPolicy, Policy, default

HEADER_CACHE_SIZE = 1024
"""Header objects kept: those a notice's messages share (about 20 per message, each part's included)."""
PER_MESSAGE = frozenset({"to", "cc", "bcc", "message-id"})
"""Headers that differ in every message: made afresh and never kept, so they die with their message (kept, they
would only push the shared ones out and, living on, make every full garbage collection longer)."""
READER_FOLDS = 4096
"""Folded ``To`` lines kept, by reader: the same people get every notice of a cycle."""

_FoldKey = tuple[str, int | None, bool]
_reader_folds: OrderedDict[tuple[tuple[str, str, str, str], _FoldKey], str] = OrderedDict()
_reader_folds_lock = threading.Lock()


class _FoldedOnce(BaseHeader):
    """A header object that keeps its folded text per policy line settings (see the module docstring).

    A per-message header made from one ``Address`` (a reader's ``To``) is made afresh for each message, but its
    folded text (encoding a non-ASCII name as encoded words costs the stdlib 0.1 to 0.2 ms) is kept by its
    exact name and parts (``_reader``): the same text the same header object would fold to.
    """

    def fold(self, *, policy: Policy) -> str:
        key: _FoldKey = (policy.linesep, policy.max_line_length, getattr(policy, "utf8", False))
        folds: dict[_FoldKey, str] | None = self.__dict__.get("_folds")
        if folds is None:
            folds = self.__dict__.setdefault("_folds", {})
        folded = folds.get(key)
        if folded is None:
            reader: tuple[str, str, str, str] | None = self.__dict__.get("_reader")
            folded = folds[key] = (
                super().fold(policy=policy) if reader is None else self._reader_fold(reader, key, policy)
            )
        return folded

    def _reader_fold(self, reader: tuple[str, str, str, str], key: _FoldKey, policy: Policy) -> str:
        with _reader_folds_lock:
            folded = _reader_folds.get((reader, key))
            if folded is not None:
                _reader_folds.move_to_end((reader, key))
                return folded
        folded = super().fold(policy=policy)
        with _reader_folds_lock:
            _reader_folds[reader, key] = folded
            while len(_reader_folds) > READER_FOLDS:
                _reader_folds.popitem(last=False)
        return folded


class SharedHeaderRegistry(HeaderRegistry):
    """A ``HeaderRegistry`` that makes one class per header name and returns the same object for the same value."""

    def __init__(self) -> None:
        super().__init__(base_class=_FoldedOnce)
        self._classes: dict[str, type[BaseHeader]] = {}
        self._lock = threading.Lock()
        self._made = functools.lru_cache(maxsize=HEADER_CACHE_SIZE)(self._make)

    def __getitem__(self, name: str) -> type[BaseHeader]:
        key = name.lower()
        made = self._classes.get(key)
        if made is None:
            with self._lock:
                made = self._classes.setdefault(key, super().__getitem__(name))
        return made

    def __call__(self, name: str, value: object) -> BaseHeader:
        if name.lower() in PER_MESSAGE:
            header = self._new(name, value)
            if type(value) is Address:  # its folded text is kept (see _FoldedOnce), by exactly what makes it
                header.__dict__["_reader"] = (name, value.display_name, value.username, value.domain)
            return header
        if type(value) is str:
            return self._made(name, value, None)
        if type(value) is Address:  # the sender, a recipient: the same object for the same three parts
            return self._made(name, None, (value.display_name, value.username, value.domain))
        return self._new(name, value)  # a list of addresses, a group: made afresh, as the stdlib does

    def _make(self, name: str, text: str | None, address: tuple[str, str, str] | None) -> BaseHeader:
        if address is not None:
            display_name, username, domain = address
            return self._new(name, Address(display_name=display_name, username=username, domain=domain))
        return self._new(name, text)

    def _new(self, name: str, value: object) -> BaseHeader:
        return self[name](name, value)  # BaseHeader.__new__(cls, name, value)


MAIL_POLICY: EmailPolicy[EmailMessage] = default.clone(header_factory=SharedHeaderRegistry())
"""``email.policy.default`` (the policy of ``EmailMessage()``) with shared, once-folded headers."""

_PROCESS_TOKEN = random.randrange(sys.maxsize)


def set_boundaries(message: EmailMessage) -> None:
    """Give each multipart of ``message`` its boundary now, one that none of its parts contains.

    The generator would otherwise choose one per multipart while flattening: a random token, checked by compiling
    a regular expression of its own (a new pattern per message, which also evicts ``re``'s cache) and then
    written into the header. Here the boundaries are the stdlib's form (``===============<19 digits>==``) with one
    token per process and the depth of the multipart, so their ``Content-Type`` headers are shared objects too;
    one that occurs in the text of any part (impossible for quoted-printable or base64, the only encodings
    ``build_message`` uses, but checked) is replaced by a random one, as the stdlib would.
    """
    texts = [str(part.get_payload()) for part in message.walk() if not part.is_multipart()]
    depth = 0
    for part in message.walk():
        if not part.is_multipart():
            continue
        boundary = _boundary(_PROCESS_TOKEN + depth)
        while any(boundary in text for text in texts):
            boundary = _boundary(random.randrange(sys.maxsize))
        texts.append(boundary)  # nor may a later (inner) boundary contain this one, or equal it
        part.set_boundary(boundary)
        depth += 1


def _boundary(token: int) -> str:
    return f"{'=' * 15}{token % sys.maxsize:019d}=="
