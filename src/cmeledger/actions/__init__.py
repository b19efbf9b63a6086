"""Use cases. Each takes a `Ledger` (the unit of work) first, writes the change and its audit
entry in that one transaction, and never commits: whoever opened the ledger does."""
