"""The unit of work: one transaction, one actor and scope, every repository bound to both."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from cmeledger.storage.blobs import BlobStore
from cmeledger.storage.crypto import FieldCipher
from cmeledger.storage.repositories.audit import AuditRepository
from cmeledger.storage.repositories.completions import CompletionRepository
from cmeledger.storage.repositories.credentials import CredentialRepository
from cmeledger.storage.repositories.documents import DocumentRepository
from cmeledger.storage.repositories.physicians import PhysicianRepository
from cmeledger.storage.repositories.sealed import SealedRepository
from cmeledger.storage.scope import Scope


class Ledger:
    """What actions receive. Actions write through it and never commit; the opener does."""

    def __init__(
        self, session: Session, cipher: FieldCipher, blobs: BlobStore, scope: Scope
    ) -> None:
        self.session = session
        self.scope = scope
        self.blobs = blobs
        self.cipher = cipher
        self.audit = AuditRepository(session, cipher.keyring.audit_key, scope.actor)
        self.physicians = PhysicianRepository(session, scope, cipher, self.audit)
        self.credentials = CredentialRepository(session, scope, cipher, self.audit)
        self.completions = CompletionRepository(session, scope, self.audit)
        self.documents = DocumentRepository(session, scope, self.audit)
        self.sealed = SealedRepository(session, cipher)

    @property
    def actor(self) -> str:
        return self.scope.actor


@dataclass
class Store:
    """A database plus the keys and blob store that go with it."""

    engine: Engine
    cipher: FieldCipher
    blobs: BlobStore

    def __post_init__(self) -> None:
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def ledger(self, scope: Scope) -> Iterator[Ledger]:
        """Commit if the block finishes, roll back everything if it raises."""
        with self._sessions.begin() as session:
            yield Ledger(session, self.cipher, self.blobs, scope)

    def run(self, scope: Scope, work: Callable[[Ledger], object]) -> object:
        with self.ledger(scope) as ledger:
            return work(ledger)

    def dispose(self) -> None:
        self.engine.dispose()
