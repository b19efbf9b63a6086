"""The provider-side commands end to end against the sandbox on loopback."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from cmeledger.pars import excel_learners, xml_documents
from cmeledger.pars.sandbox.testing import (
    JANE,
    PAT,
    PROVIDER,
    a_record,
    cme,
    moc,
    running_sandbox,
    seed,
)
from cmeledger.settings import get_settings
from tests.cli.conftest import Cli


@pytest.fixture
def pars_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    state = tmp_path / "sandbox.sqlite3"
    seed(state)
    with running_sandbox(tmp_path, state_path=state) as url:
        monkeypatch.setenv("CMELEDGER_PARS_URL", url)
        monkeypatch.setenv("CMELEDGER_PARS_RETRY_BASE", "0")
        get_settings.cache_clear()
        yield url
    get_settings.cache_clear()


def _provider(cli: Cli, tmp_path: Path) -> None:
    secret = tmp_path / "pars-password"
    secret.write_text(PROVIDER.password + "\n")
    result = cli(
        "provider", "add", "--accme-id", PROVIDER.provider_id, "--name", "Example Health CME",
        "--pars-user", PROVIDER.user, "--pars-password-file", str(secret), "--json",
    )  # fmt: skip
    assert result.code == 0, result.err
    assert result.json()["accme_id"] == PROVIDER.provider_id


def _activity(cli: Cli) -> str:
    result = cli(
        "pars", "activity", "add", PROVIDER.provider_id, "--title", "Sepsis Update",
        "--format", "live", "--start", "2026-03-02", "--end", "2026-03-02", "--credits", "2",
        "--moc", "ABIM:MK+PS:2", "--description", "Early management of sepsis.",
        "--city", "Chicago", "--state", "IL", "--country", "USA", "--json",
    )  # fmt: skip
    assert result.code == 0, result.err
    pushed = cli("pars", "push-activities", PROVIDER.provider_id, "--json")
    assert pushed.code == 0, pushed.err
    (activity,) = pushed.json()["activities"]
    assert activity["state"] == "accepted", activity["problems"]
    return str(activity["accme_id"])


def test_a_provider_reports_learners_from_the_excel_template_and_sees_each_answer(
    cli: Cli, tmp_path: Path, pars_url: str
) -> None:
    _provider(cli, tmp_path)
    accme_id = _activity(cli)
    records = [
        a_record(accme_id, cme("x1", "2.00"), moc("x2", "ABIM", "Medical Knowledge", "1")),
        a_record(accme_id, cme("x3", "1.50"), learner=PAT),
    ]
    workbook = tmp_path / "learners.xlsx"
    workbook.write_bytes(excel_learners.write_learner_workbook(records))
    refused = cli("pars", "import-learners", PROVIDER.provider_id, str(workbook))
    assert refused.code == 2 and "--consent-recorded" in refused.err
    queued = cli(
        "pars", "import-learners", PROVIDER.provider_id, str(workbook), "--consent-recorded",
        "--json",
    )  # fmt: skip
    assert queued.code == 0, queued.err
    assert len(queued.json()["queued"]) == 2
    assert cli("worker", "--once").code == 0
    status = cli("pars", "status", PROVIDER.provider_id, "--json").json()
    states = sorted((c["learner"], c["board"] or "CME", c["state"]) for c in status["credits"])
    assert states == [
        ("Doe, Jane", "ABIM", "pending"),
        ("Doe, Jane", "CME", "accepted"),
        ("Lee, Pat", "CME", "accepted"),
    ]
    assert status["jobs"] == {"done": 3, "ready": 1}  # the ready one polls ABIM for its answer
    text = cli("pars", "status", PROVIDER.provider_id)
    assert "Doe, Jane" in text.out and "accepted" in text.out
    assert JANE.license_number is not None and JANE.license_number not in text.out


def test_a_file_with_one_bad_row_is_refused_whole_with_pars_reasons(
    cli: Cli, tmp_path: Path, pars_url: str
) -> None:
    _provider(cli, tmp_path)
    accme_id = _activity(cli)
    good = a_record(accme_id, cme("ok-1", "1.00"))
    too_much = a_record(accme_id, cme("bad-1", "9.00"), learner=PAT)
    path = tmp_path / "learners.xml"
    path.write_bytes(xml_documents.learner_document([good, too_much]))
    result = cli("pars", "import-learners", PROVIDER.provider_id, str(path), "--consent-recorded")
    assert result.code == 2
    assert "LRN-006" in result.err and "nothing was stored" in result.err
    assert cli("pars", "status", PROVIDER.provider_id, "--json").json()["credits"] == []


def test_exports_write_the_three_batch_formats(cli: Cli, tmp_path: Path, pars_url: str) -> None:
    _provider(cli, tmp_path)
    accme_id = _activity(cli)
    path = tmp_path / "one.xml"
    path.write_bytes(xml_documents.learner_document([a_record(accme_id, cme("e-1", "1.00"))]))
    assert (
        cli("pars", "import-learners", PROVIDER.provider_id, str(path), "--consent-recorded").code
        == 0
    )
    mems = tmp_path / "mems.xml"
    assert (
        cli("pars", "export", PROVIDER.provider_id, "--format", "mems-xml", "-o", str(mems)).code
        == 0
    )
    (activity,) = xml_documents.read_mems(mems.read_bytes())
    assert activity.accme_id == accme_id
    learners = tmp_path / "learners.xml"
    assert (
        cli(
            "pars", "export", PROVIDER.provider_id, "--format", "learner-xml", "-o", str(learners)
        ).code
        == 0
    )
    (record,) = xml_documents.read_learner_document(learners.read_bytes(), consent=True)
    assert (record.learner.first_name, record.learner.last_name, record.learner.birth) == (
        JANE.first_name,
        JANE.last_name,
        JANE.birth,
    )
    assert record.credits[0].credit_id == "e-1"
    sheet = tmp_path / "learners.xlsx"
    assert (
        cli(
            "pars", "export", PROVIDER.provider_id, "--format", "learner-xlsx", "-o", str(sheet)
        ).code
        == 0
    )
    rows = list(
        load_workbook(io.BytesIO(sheet.read_bytes()), read_only=True).active.iter_rows(
            values_only=True
        )
    )
    assert rows[1][0] == "Record Action" and rows[2][0] == "Add"
    bad = cli("pars", "export", PROVIDER.provider_id, "--format", "csv")
    assert bad.code == 2 and "mems-xml" in bad.err
