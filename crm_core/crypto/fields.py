"""Encrypted attributes: plaintext in Python, Fernet tokens in the database.

A model lists its encrypted attributes in `__encrypted__` (attribute -> the attribute
holding its search digest, or None). Before a flush every new or changed value is
encrypted (and its digest set); after the flush, and whenever a row is loaded, the
attribute holds the plaintext again, committed, so nothing looks changed. A model may
set `__encrypted_when__` to a boolean column's name: then only rows where it is true are
encrypted (values of custom fields marked sensitive).

The keys come from the session: the container builds the session factory with
`session_info(crypto)`, so every write path (operations, imports, intake) encrypts
without being told, and a session without keys refuses to write an encrypted value.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.attributes import set_committed_value

from crm_core.crypto.cipher import FieldCrypto, KeysMissing, is_token

SESSION_KEY = "crm_crypto"
_PENDING = "crm_crypto_pending"


def session_info(crypto: FieldCrypto, **extra: object) -> dict[str, object]:
    """The `info` of a session factory whose sessions encrypt with `crypto`."""
    return {SESSION_KEY: crypto, **extra}


def crypto_of(session: Session) -> FieldCrypto:
    """The keys of this session, or `KeysMissing`."""
    crypto = session.info.get(SESSION_KEY)
    if not isinstance(crypto, FieldCrypto):
        raise KeysMissing("this session has no FieldCrypto (see crm_core.crypto.session_info)")
    return crypto


def encrypted_attributes(instance: object) -> dict[str, str | None]:
    attributes: dict[str, str | None] = getattr(type(instance), "__encrypted__", {})
    condition = getattr(type(instance), "__encrypted_when__", None)
    if attributes and condition and not getattr(instance, condition):
        return {}
    return attributes


@event.listens_for(Session, "before_flush")
def _encrypt_before_flush(session: Session, _context: Any, _instances: Any) -> None:
    pending: list[tuple[object, str, str]] = []
    for instance in [*session.new, *session.dirty]:
        attributes = encrypted_attributes(instance)
        if not attributes:
            continue
        state = inspect(instance)
        for name, digest_name in attributes.items():
            if instance not in session.new and not state.attrs[name].history.has_changes():
                continue
            value = getattr(instance, name)
            if value is None or value == "":
                setattr(instance, name, None)
                if digest_name:
                    setattr(instance, digest_name, None)
                continue
            crypto = crypto_of(session)
            if crypto.holds(value):
                continue
            setattr(instance, name, crypto.encrypt(value))
            if digest_name:
                setattr(instance, digest_name, crypto.digest(value))
            pending.append((instance, name, value))
    if pending:
        session.info.setdefault(_PENDING, []).extend(pending)


@event.listens_for(Session, "after_flush_postexec")
def _reveal_after_flush(session: Session, _context: Any) -> None:
    for instance, name, plaintext in session.info.pop(_PENDING, []):
        set_committed_value(instance, name, plaintext)


@event.listens_for(Session, "after_rollback")
def _forget_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


def reveal(instance: object, session: Session | None) -> None:
    """Replace the tokens of a loaded row by their plaintext (committed, so not dirty)."""
    attributes = encrypted_attributes(instance)
    if not attributes or session is None:
        return
    crypto = session.info.get(SESSION_KEY)
    if not isinstance(crypto, FieldCrypto):
        return  # a session without keys sees tokens, never plaintext
    loaded = instance.__dict__
    for name in attributes:
        value = loaded.get(name)
        if isinstance(value, str) and is_token(value):
            set_committed_value(instance, name, crypto.decrypt(value))


def register_encrypted(model: type) -> type:
    """Class decorator: decrypt this model's encrypted attributes on load and refresh."""

    @event.listens_for(model, "load")
    def _on_load(target: object, context: Any) -> None:
        reveal(target, context.session)

    @event.listens_for(model, "refresh")
    def _on_refresh(target: object, context: Any, attrs: Any) -> None:
        # A bulk UPDATE that syncs the objects in the session refreshes with no query
        # context (and only the columns it set): reveal through the object's own session.
        session = context.session if context is not None else object_session(target)
        encrypted = set(getattr(model, "__encrypted__", {}))
        if session is not None and (attrs is None or set(attrs) & encrypted):
            reveal(target, session)

    ENCRYPTED_MODELS.append(model)
    return model


# Every model with encrypted attributes, for key rotation.
ENCRYPTED_MODELS: list[type] = []
