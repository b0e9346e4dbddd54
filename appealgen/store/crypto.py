"""At-rest encryption of the PHI columns: Fernet with a key derived from the setting."""

from __future__ import annotations

import base64
from typing import Protocol

from appealgen.errors import DependencyError

_SALT = b"appealgen/case-store/v1"


class Cipher(Protocol):
    """Turns PHI bytes into what is stored, and back."""

    def encrypt(self, data: bytes) -> bytes:
        """The stored form of data."""
        ...

    def decrypt(self, token: bytes) -> bytes:
        """The plain bytes of a stored value."""
        ...


class PlainCipher:
    """No encryption (APPEALGEN_ENCRYPTION_KEY unset)."""

    def encrypt(self, data: bytes) -> bytes:
        """Returns data unchanged."""
        return data

    def decrypt(self, token: bytes) -> bytes:
        """Returns token unchanged."""
        return token


class FernetCipher:
    """Fernet (AES-128-CBC + HMAC-SHA256) with a key derived by HKDF-SHA256 from a passphrase."""

    def __init__(self, secret: str) -> None:
        try:
            from cryptography.fernet import Fernet
            from cryptography.hazmat.primitives import hashes
            from cryptography.hazmat.primitives.kdf.hkdf import HKDF
        except ImportError as exc:  # pragma: no cover - cryptography is a dependency
            raise DependencyError(
                "APPEALGEN_ENCRYPTION_KEY is set but the 'cryptography' package is missing: "
                "pip install cryptography"
            ) from exc
        if not secret.strip():
            raise DependencyError("APPEALGEN_ENCRYPTION_KEY is empty.")
        raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=b"fernet").derive(
            secret.encode()
        )
        self._fernet = Fernet(base64.urlsafe_b64encode(raw))

    def encrypt(self, data: bytes) -> bytes:
        """A Fernet token of data."""
        return self._fernet.encrypt(data)

    def decrypt(self, token: bytes) -> bytes:
        """The plain bytes of a Fernet token.

        Raises:
            DependencyError: the token was made with another key, or is not a token.
        """
        from cryptography.fernet import InvalidToken

        try:
            return self._fernet.decrypt(token)
        except InvalidToken:
            raise DependencyError(
                "A stored case cannot be decrypted: APPEALGEN_ENCRYPTION_KEY differs from "
                "the key it was stored with."
            ) from None


def make_cipher(secret: str | None) -> Cipher:
    """The cipher for a configured encryption key (None: no encryption)."""
    return FernetCipher(secret) if secret is not None else PlainCipher()
