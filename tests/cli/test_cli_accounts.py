"""`cmeledger user`, `org`: the sign-ins and organisations the server uses."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import Cli


def _physician(cli: Cli) -> str:
    made = cli("physician", "add", "--first", "Ada", "--last", "Lovelace", "--degree", "md")
    assert made.code == 0, made.err
    return made.out.strip()


def _password(tmp_path: Path, value: str = "a long enough password") -> str:
    path = tmp_path / "password.txt"
    path.write_text(value + "\n", encoding="utf-8")
    return str(path)


def test_it_creates_a_physician_sign_in_and_lists_it_without_the_password(
    cli: Cli, tmp_path: Path
) -> None:
    pid = _physician(cli)
    made = cli(
        "user", "add", "--email", "Ada@Example.org", "--role", "physician", "--name", "Dr Ada",
        "--physician", pid, "--password-file", _password(tmp_path), "--json",
    )  # fmt: skip
    assert made.code == 0, made.err
    assert made.json()["email"] == "ada@example.org"
    listed = cli("user", "list", "--json")
    assert [u["email"] for u in listed.json()] == ["ada@example.org"]
    assert "long enough" not in listed.out


def test_it_refuses_a_short_password_and_a_physician_sign_in_without_its_physician(
    cli: Cli, tmp_path: Path
) -> None:
    short = cli(
        "user", "add", "--email", "a@example.org", "--role", "delegate", "--name", "A",
        "--password-file", _password(tmp_path, "short"),
    )  # fmt: skip
    assert short.code != 0 and "12 characters" in short.err
    orphan = cli(
        "user", "add", "--email", "b@example.org", "--role", "physician", "--name", "B",
        "--password-file", _password(tmp_path),
    )  # fmt: skip
    assert orphan.code != 0 and "needs its physician" in orphan.err
    assert cli("user", "list", "--json").json() == []


def test_it_puts_a_physician_on_a_roster_and_grants_a_delegate(cli: Cli, tmp_path: Path) -> None:
    pid = _physician(cli)
    org = cli("org", "add", "Riverbend Clinic", "--json")
    assert org.code == 0, org.err
    member = cli("org", "member", org.json()["id"], pid, "--shares")
    assert member.code == 0 and "sharing" in member.out
    delegate = cli(
        "user", "add", "--email", "pa@example.org", "--role", "delegate", "--name", "PA",
        "--password-file", _password(tmp_path),
    )  # fmt: skip
    assert delegate.code == 0, delegate.err
    granted = cli("user", "grant", "--physician", pid, "--delegate", "pa@example.org")
    assert granted.code == 0, granted.err
    unknown = cli("user", "grant", "--physician", pid, "--delegate", "nobody@example.org")
    assert unknown.code == 3 and "no delegate account" in unknown.err


def test_it_wants_all_three_oidc_settings_and_an_https_issuer(cli: Cli, tmp_path: Path) -> None:
    half = cli("org", "add", "Clinic", "--oidc-issuer", "https://idp.example.org")
    assert half.code != 0 and "needs all three" in half.err
    secret = tmp_path / "secret"
    secret.write_text("s3cret", encoding="utf-8")
    plain = cli(
        "org", "add", "Clinic", "--oidc-issuer", "http://idp.example.org",
        "--oidc-client-id", "ledger", "--oidc-client-secret-file", str(secret),
    )  # fmt: skip
    assert plain.code != 0 and "https://" in plain.err
