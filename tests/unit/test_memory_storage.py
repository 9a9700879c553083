"""The in-memory storage's queues and accounts behave as the SQL ones do (leases, ownership, revocation)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.errors import DuplicateRow
from storage.memory import MemoryStorage
from tests.conftest import at

NOW = at("2019-01-09")


def _queued(storage: MemoryStorage, count: int) -> None:
    row = {"instance_id": "meeting_cycle-x", "notice": "N01", "recipient_id": "ms.fr", "to_email": "a@b.example",
           "to_name": "A", "language": "fr", "for_information": False, "context": {}, "status": "pending",
           "attempts": 0, "next_attempt_at": NOW, "created_at": NOW}  # fmt: skip
    with storage.write() as unit:
        unit.records.insert_outbox([row] * count)


def test_a_claimed_message_is_the_claimers_until_its_lease_runs_out() -> None:
    storage = MemoryStorage()
    _queued(storage, 3)
    with storage.write() as unit:
        first = unit.outbox.claim("a", NOW, 2, timedelta(minutes=5))
        second = unit.outbox.claim("b", NOW, 5, timedelta(minutes=5))
        assert len(first) == 2 and len(second) == 1 and {m.id for m in first}.isdisjoint(m.id for m in second)
        assert not unit.outbox.mark_sent(first[0].id, "b", NOW)  # not b's
        assert unit.outbox.mark_sent(first[0].id, "a", NOW)
        assert unit.outbox.mark_retry(first[1].id, "a", NOW + timedelta(minutes=1), "451 try later")
        assert unit.outbox.mark_failed(second[0].id, "b", "550 no such mailbox")
        assert unit.outbox.counts() == {"sent": 1, "pending": 1, "failed": 1}
        assert unit.outbox.next_due() == NOW + timedelta(minutes=1)
        assert not unit.outbox.retry(first[0].id, NOW)  # sent: nothing to retry
        assert unit.outbox.retry(second[0].id, NOW)
    with storage.write() as unit:
        late = NOW + timedelta(minutes=6)  # the retried one is due; nobody holds a lease any more
        assert sorted(m.id for m in unit.outbox.claim("c", late, 10, timedelta(minutes=5))) == sorted(
            [first[1].id, second[0].id]
        )


def test_a_transaction_that_fails_leaves_nothing_behind() -> None:
    storage = MemoryStorage()

    def half_done() -> None:
        with storage.write() as unit:
            unit.accounts.add_secret("session_signing_key", "s1", NOW)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        half_done()
    with storage.read() as unit:
        assert unit.accounts.secret("session_signing_key") is None


def test_tokens_are_found_by_hash_until_revoked_by_their_owner() -> None:
    storage = MemoryStorage()
    with storage.write() as unit:
        assert unit.accounts.set_password_hash("ms.fr", "argon2$x", NOW)
        assert not unit.accounts.set_password_hash("ms.fr", "argon2$y", NOW)  # updated, not created
        token_id = unit.accounts.add_token("ms.fr", "laptop", "digest", NOW)
        assert unit.accounts.active_token("digest") is not None
        assert not unit.accounts.revoke_token(token_id, "ms.ru", NOW)  # not theirs
        assert unit.accounts.revoke_token(token_id, "ms.fr", NOW)
        assert unit.accounts.active_token("digest") is None
        assert [t.active for t in unit.accounts.tokens("ms.fr")] == [False]
        assert unit.accounts.with_accounts() == {"ms.fr"}
        unit.accounts.add_secret("key", "v", NOW)
        with pytest.raises(DuplicateRow):
            unit.accounts.add_secret("key", "w", NOW)
