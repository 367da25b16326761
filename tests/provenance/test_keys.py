"""API keys: shown once, stored hashed, scoped, revocable."""

from __future__ import annotations

import pytest

from provenance.errors import InvalidInput, NotFound
from provenance.library.library import Library
from service.keys import KeyStore, grants, hash_secret

pytestmark = pytest.mark.store


def test_create_verify_revoke(library: Library) -> None:
    store = KeyStore(library.sessions)
    created = store.create("cms", ["check", "ingest", "check"])
    assert created.secret.startswith("prv_") and len(created.secret) > 40
    assert created.key.key_hash == hash_secret(created.secret) and created.secret not in created.key.key_hash
    assert created.key.scopes == ["check", "ingest"]
    assert store.verify(created.secret).id == created.key.id
    assert store.verify(created.secret + "x") is None
    store.revoke(created.key.id)
    assert store.verify(created.secret) is None
    assert [k.revoked_at is not None for k in store.list()] == [True]
    with pytest.raises(NotFound):
        store.revoke(999)


@pytest.mark.parametrize(("name", "scopes"), [("x", ["owner"]), ("x", []), (" ", ["check"])])
def test_bad_keys_are_refused(library: Library, name: str, scopes: list[str]) -> None:
    with pytest.raises(InvalidInput):
        KeyStore(library.sessions).create(name, scopes)


def test_admin_grants_every_scope() -> None:
    assert grants(["admin"], "ingest") and grants(["admin"], "check")
    assert grants(["check"], "check") and not grants(["check"], "ingest") and not grants(["ingest"], "admin")
