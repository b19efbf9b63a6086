"""Errors the domain raises when a value cannot be what it claims to be."""


class DomainError(ValueError):
    """A value breaks a rule of the domain; the message says which and how to fix it."""
