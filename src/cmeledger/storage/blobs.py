"""Content-addressed store for uploaded documents: one file per distinct sha256."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from cmeledger.errors import CmeLedgerError, NotFoundError

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_CHUNK = 1 << 20


class UploadTooLargeError(CmeLedgerError):
    exit_code = 5


@dataclass(frozen=True, slots=True)
class StoredBlob:
    sha256: str
    size: int
    created: bool


class BlobStore:
    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes

    def path_for(self, sha256: str) -> Path:
        if not _HEX64.match(sha256):
            raise NotFoundError("a document hash must be 64 lower-case hex characters")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, stream: BinaryIO, name: str = "upload") -> StoredBlob:
        """Stream into a temporary file while hashing; keep it only if the hash is new."""
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        digest = hashlib.sha256()
        size = 0
        tmp = self.root / f".incoming-{os.getpid()}-{os.urandom(6).hex()}"
        try:
            with open(tmp, "wb") as out:
                while chunk := stream.read(_CHUNK):
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise UploadTooLargeError(
                            f"{name} is larger than the {self.max_bytes // (1024 * 1024)} MB "
                            "upload limit; split it or raise CMELEDGER_MAX_UPLOAD_BYTES"
                        )
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha = digest.hexdigest()
            final = self.path_for(sha)
            if final.exists():
                return StoredBlob(sha, size, created=False)
            final.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.chmod(tmp, 0o400)  # certificates show licence numbers: owner-only
            os.replace(tmp, final)
            return StoredBlob(sha, size, created=True)
        finally:
            tmp.unlink(missing_ok=True)

    def open(self, sha256: str) -> BinaryIO:
        try:
            return open(self.path_for(sha256), "rb")
        except FileNotFoundError:
            raise NotFoundError(f"document {sha256[:12]}… is not in the blob store") from None
