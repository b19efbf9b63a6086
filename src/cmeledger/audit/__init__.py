"""The tamper-evident audit trail: event codes and the pure hash-chain logic."""
