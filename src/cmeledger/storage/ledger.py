"""The unit of work: one transaction, one actor and scope, every repository bound to both."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from cmeledger.storage.blobs import BlobStore
from cmeledger.storage.crypto import FieldCipher
from cmeledger.storage.repositories.accounts import AccountRepository
from cmeledger.storage.repositories.audit import AuditRepository
from cmeledger.storage.repositories.completions import CompletionRepository
from cmeledger.storage.repositories.credentials import CredentialRepository
from cmeledger.storage.repositories.documents import DocumentRepository
from cmeledger.storage.repositories.import_batches import ImportBatchRepository
from cmeledger.storage.repositories.jobs import JobRepository
from cmeledger.storage.repositories.keyring import TransactionCipher
from cmeledger.storage.repositories.pars import ParsRepository
from cmeledger.storage.repositories.physicians import PhysicianRepository
from cmeledger.storage.repositories.reminders import ReminderRepository
from cmeledger.storage.repositories.review import ReviewRepository
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
        self.cipher: FieldCipher = TransactionCipher(cipher, session)
        cipher = self.cipher
        self.audit = AuditRepository(session, cipher.keyring.audit_key, scope.actor)
        self.physicians = PhysicianRepository(session, scope, cipher, self.audit)
        self.credentials = CredentialRepository(session, scope, cipher, self.audit)
        self.completions = CompletionRepository(session, scope, self.audit)
        self.documents = DocumentRepository(session, scope, self.audit)
        self.review = ReviewRepository(session, scope, self.audit)
        self.sealed = SealedRepository(session, cipher)
        self.pars = ParsRepository(session, scope, cipher, self.audit)
        self.jobs = JobRepository(session)
        self.accounts = AccountRepository(session)
        self.imports = ImportBatchRepository(session, scope)
        self.reminders = ReminderRepository(session, scope)

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
        snapshot = (
            self.engine.execution_options(cmeledger_snapshot=True)
            if self.engine.dialect.name == "sqlite"
            else self.engine.execution_options(isolation_level="REPEATABLE READ")
        )
        self._snapshots = sessionmaker(snapshot, expire_on_commit=False)

    @contextmanager
    def ledger(self, scope: Scope) -> Iterator[Ledger]:
        """Commit if the block finishes, roll back everything if it raises."""
        with self._sessions.begin() as session:
            yield Ledger(session, self.cipher, self.blobs, scope)

    @contextmanager
    def reader(self, scope: Scope) -> Iterator[Ledger]:
        """A consistent snapshot that takes no write lock (for long reads such as verify).

        Nothing written here is kept: the transaction is rolled back at the end.
        """
        session = self._snapshots()
        try:
            yield Ledger(session, self.cipher, self.blobs, scope)
        finally:
            session.rollback()
            session.close()

    def run(self, scope: Scope, work: Callable[[Ledger], object]) -> object:
        with self.ledger(scope) as ledger:
            return work(ledger)

    def dispose(self) -> None:
        self.engine.dispose()
