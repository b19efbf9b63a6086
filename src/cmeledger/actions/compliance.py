"""Compliance status: every licence's obligation under the rule in force, explained."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from cmeledger.domain.activities import Completion
from cmeledger.domain.compliance import Obligation, evaluate
from cmeledger.domain.compliance.dea import evaluate_dea
from cmeledger.domain.compliance.evaluate import (
    Holding,
    Practice,
    evaluate_holding,
    is_physician_board,
)
from cmeledger.domain.people import BoardCertification, License, Physician
from cmeledger.errors import NotFoundError
from cmeledger.requirements.loader import rule_for
from cmeledger.requirements.model import Rule
from cmeledger.storage.ledger import Ledger


@dataclass(frozen=True, slots=True)
class StatusReport:
    physician_id: UUID
    as_of: date
    obligations: list[Obligation]
    unmatched: list[str]


def rule_for_license(lic: License) -> Rule | None:
    """The state board rule for a licence: a separate MD or DO board if the state has one,
    else its combined board. PA and NP licences have no rules in the data yet."""
    for candidate in (f"{lic.jurisdiction}-{lic.board_type.value}", lic.jurisdiction):
        try:
            rule = rule_for(candidate)
        except NotFoundError:
            continue
        if rule.kind == "state_license":
            return rule
    return None


def _board_rule(board: str) -> Rule | None:
    try:
        rule = rule_for(board)
    except NotFoundError:
        return None
    return rule if rule.kind == "board" else None


@dataclass(frozen=True, slots=True)
class StatusInputs:
    """Everything an evaluation reads from the ledger, so it can run after the transaction."""

    physician: Physician
    licenses: list[License]
    certifications: list[BoardCertification]
    registrations: list[tuple[UUID, date]]
    completions: list[Completion]


def gather_status_inputs(ledger: Ledger, physician_id: UUID) -> StatusInputs:
    """Read what `evaluate_status` needs. The birth month/day (which anchors some cycles) is
    read last: revealing it writes an audit entry, whose lock on the chain's head is then
    held only until the caller commits, not through every other read."""
    ledger.physicians.require(physician_id)
    licenses = ledger.credentials.license_terms(physician_id)
    certifications = ledger.credentials.certification_terms(physician_id)
    registrations = ledger.credentials.dea_terms(physician_id)
    completions = ledger.completions.for_physician(physician_id, provenance=False)
    physician = ledger.physicians.get(physician_id)
    return StatusInputs(physician, licenses, certifications, registrations, completions)


def compliance_status(ledger: Ledger, physician_id: UUID, as_of: date) -> StatusReport:
    return evaluate_status(gather_status_inputs(ledger, physician_id), as_of)


def evaluate_status(inputs: StatusInputs, as_of: date) -> StatusReport:
    """Every obligation under the rules in force on `as_of`; no I/O."""
    physician, licenses = inputs.physician, inputs.licenses
    completions, certifications = inputs.completions, inputs.certifications
    registrations = inputs.registrations
    rules: dict[UUID, Rule] = {}
    unmatched: list[str] = []
    for lic in licenses:
        rule = rule_for_license(lic)
        if rule is None:
            unmatched.append(
                f"{lic.jurisdiction} {lic.board_type.value} licence: no CME rule in the data yet"
            )
        else:
            rules[lic.id] = rule
    practice = Practice(
        prescriber=bool(registrations),
        certified_by=tuple(
            sorted(
                {
                    c.board.upper()
                    for c in certifications
                    if is_physician_board(c.board)
                    and (c.starts is None or c.starts <= as_of)
                    and (c.ends is None or as_of <= c.ends)
                }
            )
        ),
    )
    obligations = evaluate(physician, licenses, rules, completions, as_of, practice)
    for cert in certifications:
        holding = Holding.of_certification(cert)
        board = _board_rule(cert.board)
        if board is None:
            unmatched.append(f"{cert.board} certification: no rule in the data yet")
        elif holding is None:
            unmatched.append(
                f"{cert.board} certification: add its end date "
                "(`certification add … --ends`) to place its cycle"
            )
        else:
            obligations.append(evaluate_holding(physician, holding, board, completions, as_of))
    mate = rule_for("DEA-MATE")
    obligations += [
        evaluate_dea(registration_id, expires, mate, completions, as_of)
        for registration_id, expires in registrations
    ]
    return StatusReport(physician.id, as_of, obligations, unmatched)
