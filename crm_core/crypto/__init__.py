"""Field-level encryption of sensitive customer data, searchable through keyed hashes.

`FieldCrypto` holds the keys (given to it; crm_core never reads settings): Fernet keys,
newest first, as a MultiFernet, and a key for HMAC-SHA256 digests of normalised values
that exact lookups compare instead of the plaintext. `fields` wires it into sessions so
every write of an encrypted attribute is encrypted and every load decrypted; `rotation`
re-encrypts stored values with the newest key.
"""

from crm_core.crypto.cipher import FieldCrypto, KeysMissing, derive_keys, is_token
from crm_core.crypto.fields import SESSION_KEY, crypto_of, session_info
from crm_core.crypto.rotation import rotate_keys

__all__ = [
    "SESSION_KEY",
    "FieldCrypto",
    "KeysMissing",
    "crypto_of",
    "derive_keys",
    "is_token",
    "rotate_keys",
    "session_info",
]
