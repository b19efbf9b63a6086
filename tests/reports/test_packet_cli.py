"""`cmeledger packet` (cmeledger.cli.packet.packet_command), called as the CLI would."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cmeledger.cli.common import open_cli_store
from cmeledger.cli.main import run
from cmeledger.cli.packet import packet_command
from cmeledger.errors import NotFoundError
from cmeledger.storage.scope import Scope
from tests.reports.packet_builders import PDF_TITLE, certified_physician
from tests.reports.pdf_text import flat, pages_text


@pytest.fixture
def physician_id(cli_home: Path, tmp_path: Path) -> str:
    with pytest.raises(SystemExit) as ended:
        run(["init"])
    assert ended.value.code == 0
    with open_cli_store() as store, store.ledger(Scope.owner("test:cli")) as ledger:
        return str(certified_physician(ledger, tmp_path).physician_id)


def test_it_writes_the_packet_and_describes_it_in_json(
    physician_id: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "out" / "packet.pdf"
    target.parent.mkdir()
    capsys.readouterr()

    packet_command(physician_id, output=target, as_of="2026-11-26", as_json=True)

    answer = json.loads(capsys.readouterr().out)
    texts = pages_text(target.read_bytes())
    assert answer["path"] == str(target)
    assert answer["pages"] == len(texts)
    assert PDF_TITLE in flat("\n".join(texts))
    assert sorted(p.name for p in target.parent.iterdir()) == ["packet.pdf"]  # no partial left


def test_it_names_the_file_after_the_physician_by_default(
    physician_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    packet_command(physician_id, as_of="2026-11-26")

    assert (tmp_path / "cme-audit-packet-hopper-2026-11-26.pdf").read_bytes()[:5] == b"%PDF-"


def test_it_writes_nothing_for_an_unknown_physician(physician_id: str, tmp_path: Path) -> None:
    target = tmp_path / "packet.pdf"

    with pytest.raises(NotFoundError):
        packet_command("3f2c9a4e-1b7d-4c55-9a0e-2d8f6b1c7e90", output=target, as_of="2026-11-26")

    assert list(tmp_path.glob("*packet.pdf*")) == []
