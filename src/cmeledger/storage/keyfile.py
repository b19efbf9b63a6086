"""The key file: created once with mode 0600, read at start, rewritten atomically on rotation."""

from __future__ import annotations

import base64
import fcntl
import json
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from cmeledger.errors import ConfigurationError, SecurityError
from cmeledger.storage.crypto import Keyring


def new_key_id() -> str:
    return f"k{datetime.now(UTC):%Y%m%d%H%M%S}{secrets.token_hex(2)}"


def generate_keyring() -> Keyring:
    kid = new_key_id()
    return Keyring(
        active_id=kid,
        data_keys={kid: secrets.token_bytes(32)},
        index_key=secrets.token_bytes(32),
        audit_key=secrets.token_bytes(32),
    )


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def dumps(keyring: Keyring) -> str:
    return json.dumps(
        {
            "format": "cmeledger-keys/1",
            "active": keyring.active_id,
            "data_keys": {kid: _b64(key) for kid, key in keyring.data_keys.items()},
            "index_key": _b64(keyring.index_key),
            "audit_key": _b64(keyring.audit_key),
        },
        indent=2,
    )


def loads(text: str, origin: str) -> Keyring:
    try:
        raw = json.loads(text)
        return Keyring(
            active_id=raw["active"],
            data_keys={
                kid: base64.b64decode(v, validate=True) for kid, v in raw["data_keys"].items()
            },
            index_key=base64.b64decode(raw["index_key"], validate=True),
            audit_key=base64.b64decode(raw["audit_key"], validate=True),
        )
    except SecurityError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError):
        raise SecurityError(
            f"the key file {origin} is not a valid cmeledger key file; restore it from backup"
        ) from None


def write_atomically(path: Path, keyring: Keyring, *, replace: bool = True) -> None:
    """Write the whole file or nothing. With replace=False an existing file wins the race."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(dumps(keyring))
            out.flush()
            os.fsync(out.fileno())
        if replace:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)
        _fsync_dir(path.parent)  # the rename itself must survive a power cut
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def exclusive(path: Path) -> Iterator[None]:
    """One key-file writer at a time (two rotations at once would lose a key)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.with_name(f".{path.name}.lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read(path: Path) -> Keyring:
    try:
        text = path.read_text(encoding="utf-8")
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        raise ConfigurationError(
            f"key file {path} is missing; run `cmeledger init` or set CMELEDGER_KEYS_FILE"
        ) from None
    except PermissionError:
        raise ConfigurationError(f"key file {path} cannot be read (permission denied)") from None
    if mode & 0o077:
        raise SecurityError(
            f"key file {path} is readable by other users (mode {mode:o}); run: chmod 600 {path}"
        )
    return loads(text, str(path))


def read_or_create(path: Path) -> tuple[Keyring, bool]:
    """The key file's keyring, creating the file first if there is none. True if created."""
    if path.exists():
        return read(path), False
    keyring = generate_keyring()
    try:
        write_atomically(path, keyring, replace=False)
    except FileExistsError:
        return read(path), False
    return keyring, True
