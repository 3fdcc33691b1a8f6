"""Mailbox passwords at rest: Fernet tokens keyed from the application secret."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken


class SecretUnreadable(ValueError):
    """The stored token was written with another application secret, or was altered."""


def _fernet(app_secret: str) -> Fernet:
    # A dedicated derivation label keeps this key distinct from other uses of the secret.
    digest = hashlib.sha256(b"servicedesk/email/mailbox-password\0" + app_secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt_password(app_secret: str, password: str) -> str:
    """An opaque token for the database."""
    return _fernet(app_secret).encrypt(password.encode("utf-8")).decode("ascii")


def decrypt_password(app_secret: str, token: str) -> str:
    """The clear password back; raises SecretUnreadable when the key does not fit."""
    try:
        return _fernet(app_secret).decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError) as error:
        raise SecretUnreadable("mailbox password cannot be decrypted with this secret") from error
