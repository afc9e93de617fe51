"""The operator's backup: a firm export with its secrets, Fernet-encrypted with ``BACKUP_KEY``.

An encrypted backup is the Fernet token of the whole zip. A zip starts with ``PK``; a Fernet
token never does, so import tells the two apart without a flag.
"""

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

ZIP_MAGIC = b"PK"


class BackupKeyError(Exception):
    """The backup key is missing, malformed, or not the one the backup was written with."""


def backup_key() -> Fernet | None:
    """The Fernet of ``BACKUP_KEY`` from the environment, or None when it is not set."""
    key = os.environ.get("BACKUP_KEY", "").strip()
    if not key:
        return None
    try:
        return Fernet(key.encode())
    except ValueError as exc:
        raise BackupKeyError(
            "BACKUP_KEY is not a Fernet key (32 url-safe base64-encoded bytes); make one with "
            'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
        ) from exc


def encrypt_file(source: Path, target: Path, fernet: Fernet) -> None:
    """Write ``source`` encrypted to ``target``."""
    target.write_bytes(fernet.encrypt(source.read_bytes()))


def is_encrypted(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(2) != ZIP_MAGIC


def decrypt_file(source: Path, target: Path) -> None:
    """Write the zip inside the encrypted backup ``source`` to ``target``."""
    fernet = backup_key()
    if fernet is None:
        raise BackupKeyError("this backup is encrypted: set BACKUP_KEY to the key it was made with")
    try:
        target.write_bytes(fernet.decrypt(source.read_bytes()))
    except InvalidToken as exc:
        raise BackupKeyError(
            "BACKUP_KEY does not open this backup (wrong key or damaged file)"
        ) from exc
