"""Credit and MOC amounts of one transcript row, whatever the layout.

Three layouts occur: "long" (an amount column plus a credit-type column), "wide" (one
column per credit type, e.g. Prescribed / Elective) and MOC points either per board column
or as board + points columns. Only awarded amounts are read; a designated maximum column
is used to check (and for AAFP, cap) what was awarded.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal

from cmeledger.domain.credit_taxonomy import credit_type
from cmeledger.domain.credits import CreditRole, is_on_step, round_amount
from cmeledger.domain.extraction import ExtractedCredit, ExtractedMoc
from cmeledger.importers.credit_types import (
    UNKNOWN_PREFIX,
    board_name,
    credit_type_from_text,
    moc_from_text,
    moc_type,
    normalise,
)
from cmeledger.importers.transcripts import cells
from cmeledger.importers.transcripts.columns import Column, Columns, Typed, header_type

_LEADING_NUMBER = re.compile(r"^\s*\d*[.,]?\d+\s*\*?")
_UNITS_ONLY = re.compile(r"(?:(?:credits?|hours?|hrs?|points?|units?|ch|ceus?)\b\s*)*")
_PAIR = re.compile(r"([A-Za-z][A-Za-z ]*?)\s*[:=]?\s*(\d+(?:\.\d+)?)")


class AmountReader:
    """Reads one row; `column` names the cell being read when a `CellError` escapes."""

    def __init__(
        self,
        *,
        system: str | None,
        header_types: Mapping[str, Typed],
        default_credit: Typed | None,
        default_board: str | None,
        round_to_step: bool,
    ) -> None:
        self.system = system
        self.header_types = header_types
        self.default_credit = default_credit
        self.default_board = default_board
        self.round_to_step = round_to_step
        self.column: str | None = None
        self.credits: list[tuple[ExtractedCredit, float]] = []
        self.moc: list[tuple[ExtractedMoc, float]] = []

    def read(
        self, row: Mapping[str, str], cols: Columns, reasons: list[str]
    ) -> tuple[tuple[ExtractedCredit, ...], tuple[ExtractedMoc, ...], float]:
        amount_col = cols.get("amount")
        if amount_col is not None:
            amount = self._amount(row, amount_col.header)
            if amount is not None:
                typed, conf = self._long_type(row, cols, amount_col, reasons)
                self._add(typed, amount, conf * amount_col.confidence, reasons)
        for header, typed in cols.wide:
            amount = self._amount(row, header)
            if amount:  # an empty or zero cell in a per-type column means "none of this type"
                self._add(typed, amount, typed.confidence, reasons)
        points = cols.get("moc_points")
        if points is not None:
            self._long_moc(row, cols, points, reasons)
        self._check_designated(row, cols, reasons)
        confs = [c for _, c in self.credits] + [c for _, c in self.moc]
        return (
            tuple(dict.fromkeys(c for c, _ in self.credits)),
            tuple(dict.fromkeys(m for m, _ in self.moc)),
            round(min(confs), 3) if confs else 0.0,
        )

    def _amount(self, row: Mapping[str, str], header: str) -> Decimal | None:
        self.column = header
        return cells.read_amount(row.get(header, ""))

    def _long_type(
        self, row: Mapping[str, str], cols: Columns, amount_col: Column, reasons: list[str]
    ) -> tuple[Typed, float]:
        type_col = cols.get("credit_type")
        text = row.get(type_col.header, "") if type_col else ""
        column_conf = type_col.confidence if type_col else 1.0
        if cells.is_blank(text):
            # "1.50 AMA PRA Category 1 Credit(s)" — amount and type in one cell (CloudCME).
            text = _LEADING_NUMBER.sub("", row.get(amount_col.header, ""), count=1).strip()
            text = "" if _UNITS_ONLY.fullmatch(normalise(text)) else text
            column_conf = amount_col.confidence
        if not cells.is_blank(text):
            found = credit_type_from_text(text, system=self.system)
            if found is not None:
                return Typed("credit", found.code), found.confidence * column_conf
            moc = moc_from_text(text)
            if moc is not None:
                return Typed("moc", moc.credit_type, board=moc.board), column_conf
            reasons.append(f"unknown credit type {text!r}; choose the credit type by hand")
            return Typed("credit", UNKNOWN_PREFIX + text), 0.5
        typed = header_type(amount_col.header, self.header_types, self.system)
        if typed is not None:
            return typed, typed.confidence
        if self.default_credit is not None:
            return self.default_credit, self.default_credit.confidence
        reasons.append(
            f"the transcript does not say which credit type {amount_col.header!r} counts; "
            "choose the credit type by hand"
        )
        return Typed("credit", UNKNOWN_PREFIX + "unspecified"), 0.5

    def _add(self, typed: Typed, amount: Decimal, conf: float, reasons: list[str]) -> None:
        if typed.kind == "moc":
            board = typed.board or self.default_board
            code = typed.code if typed.board else (moc_type(board) if board else None)
            if board is None:
                reasons.append("MOC points without a board; add the board (e.g. ABIM) by hand")
            elif code is None:
                reasons.append(
                    f"{board} MOC points are not in our MOC taxonomy; record them with {board}"
                    " by hand"
                )
            points = cells.two_places(amount)
            self.moc.append((ExtractedMoc(board or "unknown", points, code), conf))
            return
        code = typed.code or UNKNOWN_PREFIX + "unspecified"
        counted = self._stepped(code, amount, reasons)
        if counted == 0:
            reasons.append("zero credits on this row; check whether it belongs in the ledger")
        self.credits.append((ExtractedCredit(code, counted, CreditRole.AWARDED), conf))

    def _stepped(self, code: str, amount: Decimal, reasons: list[str]) -> Decimal:
        if code.startswith(UNKNOWN_PREFIX):
            return self._two_places(amount, reasons)
        ctype = credit_type(code)
        if self.round_to_step and ctype.step is not None and not is_on_step(amount, ctype):
            counted = round_amount(amount, ctype)
            reasons.append(
                f"{amount} is not on the {ctype.step} step of {ctype.label}; "
                f"counted as {counted} (rounded down)"
            )
            return counted
        cut = self._two_places(amount, reasons)
        if ctype.step is not None and not is_on_step(cut, ctype):
            reasons.append(f"{cut} is not a multiple of {ctype.step} for {ctype.label}; check it")
        return cut

    @staticmethod
    def _two_places(amount: Decimal, reasons: list[str]) -> Decimal:
        cut = cells.two_places(amount)
        if cut != amount:
            reasons.append(f"amount {amount} has more than two decimals; counted as {cut}")
        return cut

    def _long_moc(
        self, row: Mapping[str, str], cols: Columns, points: Column, reasons: list[str]
    ) -> None:
        text = row.get(points.header, "")
        self.column = points.header
        if cells.is_blank(text):
            return
        if re.search(r"[A-Za-z]{2,}", text):  # "ABIM: 2.00; ABP: 2"
            pairs = _PAIR.findall(text)
            if not pairs:
                raise cells.CellError(f"{text!r} is not MOC points; write it like 'ABIM: 2.00'")
            for label, number in pairs:
                moc = moc_from_text(label)
                board = moc.board if moc else board_name(label)
                typed = Typed("moc", moc.credit_type if moc else None, board=board)
                amount = cells.read_amount(number)
                if amount:
                    self._add(typed, amount, points.confidence, reasons)
            return
        amount = cells.read_amount(text)
        if not amount:
            return
        board_col, type_col = cols.get("moc_board"), cols.get("moc_type")
        board_text = row.get(board_col.header, "") if board_col else ""
        board = board_name(board_text) or (board_text.strip() or None)
        header_board = moc_from_text(points.header)
        board = board or (header_board.board if header_board else None) or self.default_board
        code = moc_type(board, row.get(type_col.header, "") if type_col else "") if board else None
        self._add(Typed("moc", code, board=board or None), amount, points.confidence, reasons)

    def _check_designated(self, row: Mapping[str, str], cols: Columns, reasons: list[str]) -> None:
        col = cols.get("designated")
        if col is None or len(self.credits) != 1:
            return
        designated = self._amount(row, col.header)
        credit, conf = self.credits[0]
        if designated is None or credit.amount <= designated:
            return
        if self.round_to_step and not credit.type.startswith(UNKNOWN_PREFIX):
            capped = round_amount(designated, credit_type(credit.type))
            reasons.append(
                f"{credit.amount} awarded is more than the {designated} approved; "
                f"capped at {capped}"
            )
            self.credits[0] = (ExtractedCredit(credit.type, capped, credit.role), conf)
        else:
            reasons.append(
                f"{credit.amount} awarded is more than the {designated} designated; check it"
            )
