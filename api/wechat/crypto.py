"""WeChat's message signatures and its AES-CBC message encryption (safe and compatible modes).

Signatures: SHA-1 over the sorted strings joined together; `signature` covers the token,
timestamp and nonce, `msg_signature` also the encrypted message. Encryption: the key is
the 43-character EncodingAESKey plus "=" decoded from Base64 (32 bytes), the IV its first
16 bytes; the plaintext is 16 random bytes, the message length (4 bytes, network order),
the message and the AppID, padded PKCS#7-style to a multiple of 32 bytes (WeChat's block
size for padding, not AES's).
"""

import base64
import binascii
import hashlib
import hmac
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

PAD_BLOCK = 32


class CryptoError(ValueError):
    """A message that does not decrypt, or was made for another AppID."""


def signature(*parts: str) -> str:
    """SHA-1 hex digest of the parts sorted and joined (WeChat's signature scheme)."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def signature_matches(expected: str, given: str | None) -> bool:
    """Constant-time comparison of a computed signature with the one sent."""
    return given is not None and hmac.compare_digest(expected, given.lower())


def _pad(data: bytes) -> bytes:
    amount = PAD_BLOCK - len(data) % PAD_BLOCK
    return data + bytes([amount]) * amount


def _unpad(data: bytes) -> bytes:
    amount = data[-1] if data else 0
    if not 1 <= amount <= PAD_BLOCK or data[-amount:] != bytes([amount]) * amount:
        raise CryptoError("bad padding")
    return data[:-amount]


class MessageCrypto:
    """Encrypts and decrypts one account's messages; holds its key, AppID and token."""

    def __init__(self, *, token: str, aes_key: str, app_id: str) -> None:
        try:
            key = base64.b64decode(aes_key + "=", validate=True)
        except binascii.Error as exc:
            raise ValueError("WECHAT_AES_KEY is not the 43-character EncodingAESKey") from exc
        if len(key) != 32:
            raise ValueError("WECHAT_AES_KEY is not the 43-character EncodingAESKey")
        self._key = key
        self._token = token
        self._app_id = app_id.encode()

    def _cipher(self) -> Cipher[modes.CBC]:
        return Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16]))

    def encrypt(self, message: bytes, random_prefix: bytes | None = None) -> str:
        """The Base64 `Encrypt` value for a message (random prefix given only in tests)."""
        prefix = random_prefix if random_prefix is not None else os.urandom(16)
        plain = _pad(prefix + struct.pack(">I", len(message)) + message + self._app_id)
        encryptor = self._cipher().encryptor()
        return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()

    def decrypt(self, encrypted: str) -> bytes:
        """The message inside an `Encrypt` value; CryptoError if it is not ours."""
        try:
            data = base64.b64decode(encrypted, validate=True)
        except binascii.Error as exc:
            raise CryptoError("not Base64") from exc
        if not data or len(data) % 16:
            raise CryptoError("not whole AES blocks")
        decryptor = self._cipher().decryptor()
        plain = _unpad(decryptor.update(data) + decryptor.finalize())
        if len(plain) < 20:
            raise CryptoError("too short")
        (length,) = struct.unpack(">I", plain[16:20])
        message, app_id = plain[20 : 20 + length], plain[20 + length :]
        if len(message) != length or not hmac.compare_digest(app_id, self._app_id):
            raise CryptoError("made for another AppID")
        return message

    def msg_signature(self, timestamp: str, nonce: str, encrypted: str) -> str:
        """The `msg_signature` of an encrypted message."""
        return signature(self._token, timestamp, nonce, encrypted)
