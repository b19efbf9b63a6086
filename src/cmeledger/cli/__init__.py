"""The `cmeledger` command line: one module per command group."""
