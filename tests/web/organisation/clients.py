"""Signed-in test clients for several people at once."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.web.accounts import sign_in


def signed_in(app: FastAPI, email: str) -> TestClient:
    """A client of its own, signed in as `email`, with the CSRF header set."""
    client = TestClient(app, base_url="https://testserver")
    sign_in(client, email)
    return client
