"""`cmeledger physician …`, `license add`, `certification add`, `dea add`."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from cmeledger.actions.physicians import (
    Profile,
    add_certification,
    add_dea,
    add_license,
    add_physician,
    physician_profile,
)
from cmeledger.cli.common import (
    JsonOption,
    UsageError,
    emit,
    ledger,
    out,
    parse_date,
    parse_id,
    parse_optional_date,
)
from cmeledger.domain.people import BoardType, Degree, LicenseStatus, MonthDay
from cmeledger.errors import NotFoundError

physician_app = typer.Typer(help="Physicians and other clinicians.", no_args_is_help=True)
license_app = typer.Typer(help="State licences.", no_args_is_help=True)
certification_app = typer.Typer(help="Board certifications.", no_args_is_help=True)
dea_app = typer.Typer(help="DEA registrations.", no_args_is_help=True)


def _choice(enum: Any, value: str, option: str) -> Any:
    text = value.strip()
    for candidate in (text, text.upper(), text.lower()):
        try:
            return enum(candidate)
        except ValueError:
            continue
    allowed = ", ".join(m.value for m in enum)
    raise UsageError(f"{option} {value!r} is not one of: {allowed}")


@physician_app.command("add")
def physician_add(
    first: Annotated[str, typer.Option("--first", help="Given name.")],
    last: Annotated[str, typer.Option("--last", help="Family name.")],
    degree: Annotated[str, typer.Option("--degree", help="MD, DO, PA, NP or other.")],
    npi: Annotated[str | None, typer.Option("--npi", help="10-digit NPI.")] = None,
    email: Annotated[str | None, typer.Option("--email")] = None,
    birth: Annotated[
        str | None, typer.Option("--birth", help="Birth month and day, MM-DD.")
    ] = None,
    credential: Annotated[
        list[str] | None,
        typer.Option("--credential", help="Post-nominal credential such as FACP (repeatable)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Add a physician and print the new id."""
    with ledger() as opened:
        physician = add_physician(
            opened,
            first_name=first,
            last_name=last,
            degree=_choice(Degree, degree, "--degree"),
            npi=npi,
            email=email,
            birth=None if birth is None else MonthDay.parse(birth),
            credentials=tuple(credential or ()),
        )
    emit(
        {"id": str(physician.id), "name": physician.display_name},
        as_json,
        lambda: out.print(str(physician.id)),
    )


@physician_app.command("list")
def physician_list(as_json: JsonOption = False) -> None:
    """List physicians (no sensitive fields are read)."""
    with ledger() as opened:
        people = opened.physicians.summaries()

    def render() -> None:
        table = Table("id", "name", "degree", "NPI", "e-mail", title="Physicians")
        for p in people:
            table.add_row(
                str(p.id),
                f"{p.first_name} {p.last_name}",
                p.degree.value,
                p.npi or "",
                p.email or "",
            )
        out.print(table)

    emit(
        [
            {
                "id": str(p.id),
                "first_name": p.first_name,
                "last_name": p.last_name,
                "degree": p.degree.value,
                "npi": p.npi,
                "email": p.email,
            }
            for p in people
        ],
        as_json,
        render,
    )


def profile_as_dict(profile: Profile) -> dict[str, Any]:
    p = profile.physician
    return {
        "id": str(p.id),
        "first_name": p.first_name,
        "last_name": p.last_name,
        "degree": p.degree.value,
        "npi": p.npi,
        "email": p.email,
        "birth": None if p.birth is None else str(p.birth),
        "credentials": list(p.credentials),
        "licenses": [
            {
                "id": str(x.id),
                "jurisdiction": x.jurisdiction,
                "board_type": x.board_type.value,
                "number": x.number,
                "issued": x.issued,
                "expires": x.expires,
                "status": x.status.value,
            }
            for x in profile.licenses
        ],
        "certifications": [
            {
                "id": str(c.id),
                "board": c.board,
                "specialty": c.specialty,
                "board_id": c.board_id,
                "starts": c.starts,
                "ends": c.ends,
            }
            for c in profile.certifications
        ],
        "dea": [
            {"id": str(d.id), "number": d.number, "issued": d.issued, "expires": d.expires}
            for d in profile.dea
        ],
    }


@physician_app.command("show")
def physician_show(
    physician_id: Annotated[str, typer.Argument(metavar="ID")], as_json: JsonOption = False
) -> None:
    """Show a physician with licences, certifications and DEA (each read is audited)."""
    with ledger() as opened:
        profile = physician_profile(opened, parse_id(physician_id))
    data = profile_as_dict(profile)

    def render() -> None:
        p = profile.physician
        out.print(Text.assemble((p.display_name, "bold"), f"  {p.id}"))
        out.print(f"NPI {p.npi or '—'}   e-mail {p.email or '—'}   birth (MM-DD) {p.birth or '—'}")
        table = Table("licence", "number", "issued", "expires", "status", title="Licences")
        for x in profile.licenses:
            table.add_row(
                f"{x.jurisdiction} {x.board_type.value}",
                x.number,
                str(x.issued or ""),
                str(x.expires),
                x.status.value,
            )
        out.print(table)
        certs = Table("board", "specialty", "board ID", "cycle", title="Certifications")
        for c in profile.certifications:
            certs.add_row(
                c.board, c.specialty, c.board_id or "", f"{c.starts or '?'} → {c.ends or '?'}"
            )
        out.print(certs)
        for d in profile.dea:
            out.print(f"DEA {d.number} expires {d.expires}")

    emit(data, as_json, render)


@physician_app.command("find")
def physician_find(
    jurisdiction: Annotated[str, typer.Option("--jurisdiction")],
    number: Annotated[str, typer.Option("--license-number")],
    board_type: Annotated[str, typer.Option("--board-type")] = "MD",
    as_json: JsonOption = False,
) -> None:
    """Find whose licence this is, by number (matched on a keyed blind index)."""
    with ledger() as opened:
        found = opened.credentials.find_license(
            jurisdiction.strip().upper(), _choice(BoardType, board_type, "--board-type"), number
        )
        if found is None:
            raise NotFoundError(f"no {jurisdiction.upper()} licence with that number")
        who = opened.physicians.require(found.physician_id)
    emit(
        {"physician_id": str(who.id), "license_id": str(found.id), "name": who.display_name},
        as_json,
        lambda: out.print(f"{who.id}  {who.display_name}"),
    )


@license_app.command("add")
def license_add(
    physician_id: Annotated[str, typer.Argument(metavar="PHYSICIAN_ID")],
    jurisdiction: Annotated[str, typer.Option("--jurisdiction", help="State code, e.g. CA.")],
    board_type: Annotated[str, typer.Option("--board-type", help="MD, DO, PA or NP.")],
    number: Annotated[str, typer.Option("--number", help="Licence number (stored encrypted).")],
    expires: Annotated[str, typer.Option("--expires", help="YYYY-MM-DD.")],
    issued: Annotated[str | None, typer.Option("--issued", help="YYYY-MM-DD.")] = None,
    status: Annotated[str, typer.Option("--status")] = "active",
    as_json: JsonOption = False,
) -> None:
    """Add a state licence."""
    with ledger() as opened:
        lic = add_license(
            opened,
            parse_id(physician_id),
            jurisdiction=jurisdiction,
            board_type=_choice(BoardType, board_type, "--board-type"),
            number=number,
            expires=parse_date(expires, "--expires"),
            issued=parse_optional_date(issued, "--issued"),
            status=_choice(LicenseStatus, status, "--status"),
        )
    emit({"id": str(lic.id)}, as_json, lambda: out.print(str(lic.id)))


@certification_app.command("add")
def certification_add(
    physician_id: Annotated[str, typer.Argument(metavar="PHYSICIAN_ID")],
    board: Annotated[str, typer.Option("--board", help="ABIM, ABFM, ABP, …")],
    specialty: Annotated[str, typer.Option("--specialty")],
    board_id: Annotated[str | None, typer.Option("--board-id", help="Stored encrypted.")] = None,
    starts: Annotated[str | None, typer.Option("--starts", help="YYYY-MM-DD.")] = None,
    ends: Annotated[str | None, typer.Option("--ends", help="YYYY-MM-DD.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Add a board certification."""
    with ledger() as opened:
        cert = add_certification(
            opened,
            parse_id(physician_id),
            board=board,
            specialty=specialty,
            board_id=board_id,
            starts=parse_optional_date(starts, "--starts"),
            ends=parse_optional_date(ends, "--ends"),
        )
    emit({"id": str(cert.id)}, as_json, lambda: out.print(str(cert.id)))


@dea_app.command("add")
def dea_add(
    physician_id: Annotated[str, typer.Argument(metavar="PHYSICIAN_ID")],
    number: Annotated[str, typer.Option("--number", help="Stored encrypted.")],
    expires: Annotated[str, typer.Option("--expires", help="YYYY-MM-DD.")],
    issued: Annotated[str | None, typer.Option("--issued", help="YYYY-MM-DD.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Add a DEA registration."""
    with ledger() as opened:
        reg = add_dea(
            opened,
            parse_id(physician_id),
            number=number,
            expires=parse_date(expires, "--expires"),
            issued=parse_optional_date(issued, "--issued"),
        )
    emit({"id": str(reg.id)}, as_json, lambda: out.print(str(reg.id)))
