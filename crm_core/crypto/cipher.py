"""The keys and what is done with them: encrypt, decrypt, rotate, digest."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

# Every Fernet token starts with its version byte 0x80, base64url-encoded as "gAAAAA";
# no E.164 number or address line begins like that (a text value that does is told apart
# by `holds`, which tries to decrypt it).
_TOKEN_PREFIX = "gAAAAA"  # noqa: S105 (a format marker, not a secret)


class KeysMissing(RuntimeError):
    """An encrypted attribute was written or read through a session without keys."""


def is_token(value: str) -> bool:
    """True when `value` looks like a Fernet token (stored encrypted), not plaintext."""
    return value.startswith(_TOKEN_PREFIX)


@dataclass(frozen=True)
class FieldCrypto:
    """Fernet keys (newest first) and the search key; build once per process.

    `encryption_keys` are urlsafe-base64 Fernet keys; the first encrypts, every one
    decrypts. `search_key` keys the digests stored beside encrypted values: it must stay
    the same for as long as the data lives (rotating it means recomputing every digest).
    """

    encryption_keys: Sequence[str]
    search_key: bytes
    _fernet: MultiFernet = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.encryption_keys:
            raise KeysMissing("at least one encryption key is needed")
        if len(self.search_key) < 16:
            raise KeysMissing("the search key must have at least 16 bytes")
        fernets = [Fernet(key.encode() if isinstance(key, str) else key)
                   for key in self.encryption_keys]  # fmt: skip
        object.__setattr__(self, "_fernet", MultiFernet(fernets))

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        """The plaintext of a token made with any of the keys; plaintext is returned as is
        (values written before encryption, until `servicedesk crm rotate-keys` runs)."""
        if not is_token(token):
            return token
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken as error:
            raise KeysMissing(
                "a stored value was encrypted with a key we no longer have"
            ) from error

    def holds(self, value: str) -> bool:
        """True when `value` is a token one of our keys made (so already encrypted)."""
        if not is_token(value):
            return False
        try:
            self._fernet.decrypt(value.encode("ascii"))
        except (InvalidToken, UnicodeError):
            return False
        return True

    def rotate(self, value: str) -> str:
        """`value` encrypted with the newest key, whether it was plaintext or a token."""
        if not is_token(value):
            return self.encrypt(value)
        return self._fernet.rotate(value.encode("ascii")).decode("ascii")

    def needs_rotation(self, value: str) -> bool:
        """False when the newest key already decrypts `value`."""
        if not is_token(value):
            return True
        try:
            Fernet(_first(self.encryption_keys)).decrypt(value.encode("ascii"))
        except InvalidToken:
            return True
        return False

    def digest(self, normalised: str) -> str:
        """HMAC-SHA256 of an already normalised value, hex: equal values, equal digests."""
        return hmac.new(self.search_key, normalised.encode("utf-8"), hashlib.sha256).hexdigest()


def _first(keys: Sequence[str]) -> bytes:
    key = keys[0]
    return key.encode() if isinstance(key, str) else key


def derive_keys(secret: str) -> tuple[str, bytes]:
    """A Fernet key and a search key derived from the app's secret (HKDF-SHA256).

    For the embedded default only: the instance's stored secret key stands in for keys
    nobody configured. Changing that secret then makes stored values unreadable, so a
    deployment sets its own keys (see the README).
    """
    material = secret.encode("utf-8")
    fernet_key = _hkdf(material, b"servicedesk crm field encryption v1")
    search_key = _hkdf(material, b"servicedesk crm search digest v1")
    return base64.urlsafe_b64encode(fernet_key).decode("ascii"), search_key


def _hkdf(material: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(material)
