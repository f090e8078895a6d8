"""Encryption at rest for free-text fields (messages, drafts) and uploaded files.

Fernet (AES-128-CBC with HMAC-SHA256, from `cryptography`) with the key from settings. SQLite and a
default PostgreSQL do not encrypt data at rest, so the application does it for the fields that hold
confidential text. KPI numbers stay in plain columns so the database can filter and aggregate them;
protect those with disk or database encryption (README, deployment).

In local mode a key is generated on first run into var/secret.key (mode 0600).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

_PREFIX = "enc:v1:"
_fernet: Fernet | None = None
_mac_key: bytes | None = None


def load_or_create_key(var_dir: Path) -> bytes:
    path = var_dir / "secret.key"
    if path.exists():
        return path.read_bytes().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
    return key


def configure(key: bytes | str) -> None:
    global _fernet, _mac_key
    raw = key.encode() if isinstance(key, str) else key
    try:
        _fernet = Fernet(raw)
        _mac_key = hmac.new(raw, b"planner digest v1", hashlib.sha256).digest()
    except ValueError as e:
        raise ValueError(
            "PLANNER_SECRET_KEY must be a Fernet key (32 url-safe base64-encoded bytes): "
            'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
        ) from e


def digest(text: str) -> str:
    """A keyed digest (HMAC-SHA256) of text, to find a stored row by its content without
    decrypting rows and without storing a hash anyone could test guesses against."""
    if _mac_key is None:
        raise RuntimeError("encryption key not configured")
    return hmac.new(_mac_key, text.encode(), hashlib.sha256).hexdigest()


def encrypt(text: str) -> str:
    if _fernet is None:
        raise RuntimeError("encryption key not configured")
    return _PREFIX + _fernet.encrypt(text.encode()).decode()


def decrypt(value: str) -> str:
    if not value.startswith(_PREFIX):
        return value  # rows written before encryption was enabled
    if _fernet is None:
        raise RuntimeError("encryption key not configured")
    try:
        return _fernet.decrypt(value[len(_PREFIX) :].encode()).decode()
    except InvalidToken as e:
        raise RuntimeError("cannot decrypt stored data: wrong PLANNER_SECRET_KEY?") from e


def encrypt_bytes(data: bytes) -> bytes:
    if _fernet is None:
        raise RuntimeError("encryption key not configured")
    return _fernet.encrypt(data)


def decrypt_bytes(data: bytes) -> bytes:
    if _fernet is None:
        raise RuntimeError("encryption key not configured")
    return _fernet.decrypt(data)
