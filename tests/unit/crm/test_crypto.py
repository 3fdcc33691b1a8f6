"""Field encryption: round trips, rotation to a new key, digests and derived keys."""

from __future__ import annotations

import os

import pytest
from cryptography.fernet import Fernet
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_core.crypto import FieldCrypto, KeysMissing, derive_keys, is_token


def _keys() -> str:
    return Fernet.generate_key().decode()


OLD, NEW, SEARCH = _keys(), _keys(), os.urandom(32)
texts = st.text(min_size=1, max_size=200)


@settings(max_examples=60, deadline=None)
@given(texts)
def test_every_value_comes_back_from_its_token(value: str) -> None:
    crypto = FieldCrypto((OLD,), SEARCH)
    token = crypto.encrypt(value)
    assert is_token(token)
    assert crypto.encrypt(value) != token  # a fresh IV each time: equal values look unequal
    assert crypto.decrypt(token) == value
    assert crypto.holds(token)


@settings(max_examples=40, deadline=None)
@given(texts)
def test_rotation_moves_a_value_to_the_newest_key(value: str) -> None:
    before = FieldCrypto((OLD,), SEARCH)
    during = FieldCrypto((NEW, OLD), SEARCH)
    after = FieldCrypto((NEW,), SEARCH)
    token = before.encrypt(value)
    assert during.needs_rotation(token)
    rotated = during.rotate(token)
    assert not during.needs_rotation(rotated)
    assert after.decrypt(rotated) == value
    with pytest.raises(KeysMissing):
        after.decrypt(token)  # the old key is gone: its tokens are unreadable


@settings(max_examples=40, deadline=None)
@given(texts, texts)
def test_digests_are_equal_exactly_when_the_values_are(a: str, b: str) -> None:
    crypto = FieldCrypto((OLD,), SEARCH)
    assert (crypto.digest(a) == crypto.digest(b)) == (a == b)
    # Keyed: another search key gives other digests, so they say nothing without it.
    assert FieldCrypto((OLD,), os.urandom(32)).digest(a) != crypto.digest(a)


def test_plaintext_from_before_encryption_reads_as_itself_and_rotation_encrypts_it() -> None:
    crypto = FieldCrypto((NEW,), SEARCH)
    assert crypto.decrypt("+4930901820") == "+4930901820"
    assert crypto.needs_rotation("+4930901820")
    assert crypto.decrypt(crypto.rotate("+4930901820")) == "+4930901820"
    # A text that merely looks like a token is not taken for one.
    assert not crypto.holds("gAAAAA but not a token")


def test_derived_keys_are_stable_per_secret_and_differ_between_secrets() -> None:
    assert derive_keys("secret one") == derive_keys("secret one")
    assert derive_keys("secret one") != derive_keys("secret two")
    key, search = derive_keys("secret one")
    assert FieldCrypto((key,), search).decrypt(FieldCrypto((key,), search).encrypt("x")) == "x"


def test_keys_are_required() -> None:
    with pytest.raises(KeysMissing):
        FieldCrypto((), SEARCH)
    with pytest.raises(KeysMissing):
        FieldCrypto((OLD,), b"short")
