"""Repositories: the only place that queries the database. Each one is bound to a scope."""
