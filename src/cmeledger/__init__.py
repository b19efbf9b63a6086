"""CME Ledger: every CME credit in one ledger, checked against every licence and board."""

__version__ = "0.1.0"
