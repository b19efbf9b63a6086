"""Every endpoint of the app, read from its routes, and how to aim each one at a tenant.

New routes are picked up by themselves: an endpoint whose path or query parameters are
not classified here, or an unsafe one without a request body listed here, fails
`test_it_classifies_every_parameter_of_every_endpoint` until someone says what it takes.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from cmeledger.pars import excel_learners
from tests.pars_builders import a_learner, a_record
from tests.web.pars.builders import XLSX, activity_body
from tests.web.security.world import Side, World

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
DEA_NUMBER = "AB1234563"  # a valid check digit: 1+3+5 + 2*(2+4+6) = 33


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # the template, e.g. /api/v1/physicians/{physician_id}
    params: tuple[str, ...]  # path parameters, in path order
    queries: tuple[str, ...]  # query parameters, including those of dependencies

    @property
    def api(self) -> bool:
        return self.path.startswith("/api/")

    @property
    def key(self) -> tuple[str, str]:
        return self.method, self.path

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def endpoints(app: FastAPI) -> list[Endpoint]:
    """Every (method, path) the app routes to a handler of ours."""
    found: list[Endpoint] = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute):
            continue
        path = str(context.path_format)
        params = {p.alias for d in _walk(route.dependant) for p in d.path_params}
        order = sorted(params, key=lambda name: path.index("{" + name + "}"))
        queries = tuple(sorted({p.alias for d in _walk(route.dependant) for p in d.query_params}))
        for method in sorted(set(context.methods or ()) - {"HEAD"}):
            found.append(Endpoint(method, path, tuple(order), queries))
    return found


def _walk(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _walk(sub)


def other_routes(app: FastAPI) -> list[str]:
    """Paths served by something other than our handlers (docs, static files)."""
    return sorted(
        str(c.path)
        for c in iter_route_contexts(app.routes)
        if not isinstance(c.original_route, APIRoute)
    )


# Served by FastAPI or Starlette, not by a handler of ours: none holds tenant data.
NOT_OURS = {
    "/api/openapi.json": "the schema is the same for everyone",
    "/api/docs": "Swagger UI, a static page",
    "/docs/oauth2-redirect": "Swagger UI's OAuth helper page, static",
    "/static": "the portal's stylesheet and scripts",
}

# Endpoints the IDOR sweep does not call, with the reason (each is tested elsewhere).
NOT_SWEPT = {
    ("POST", "/api/v1/session"): "signing in names no record (test_throttling, test_sessions)",
    ("DELETE", "/api/v1/session"): "signing out names no record (test_sessions)",
    ("POST", "/login"): "signing in names no record (test_throttling, test_csrf)",
    ("POST", "/logout"): "signing out names no record (test_sessions)",
    ("GET", "/login"): "the public sign-in form (test_headers)",
    ("GET", "/login/oidc/callback"): "public; its state is a sealed cookie (tests/web/oidc)",
    ("GET", "/login/oidc/{organisation_id}"): "public by design: the login page lists these",
}

# Parameters that name no tenant's record, with a value to send.
NOT_IDS: dict[str, str] = {
    "page": "1",
    "rule_key": "CA-MD",
    "limit": "",
    "offset": "",
    "since": "",
    "until": "",
    "q": "",
    "source": "",
    "sort": "",
    "as_of": "",
    "format": "",
    "state": "",
    "token": "",  # the calendar feed's secret: not guessable, tested in test_csrf
    "next": "",
    "notice": "",
    "n": "",
    "done": "",
    "code": "",
    "iss": "",
    "error": "",
    "error_description": "",
    "dir": "",
    "added": "",
    "board": "",
}


def _pars(path: str) -> bool:
    return path.startswith(("/api/v1/pars/", "/pars/"))


# Parameter name -> the side's record it names; `path` tells the two kinds of credit apart.
IDS: dict[str, Callable[[Side, str], list[str]]] = {
    "physician_id": lambda s, _: [str(s.tenant.physician_id)],
    "license_id": lambda s, _: [str(s.tenant.license_id)],
    "certification_id": lambda s, _: [str(s.tenant.certification_id)],
    "registration_id": lambda s, _: [str(s.tenant.dea_id)],
    "credit_id": lambda s, p: [s.rejected_credit_id] if _pars(p) else [str(s.tenant.completion_id)],
    "document_id": lambda s, _: [str(s.document_id)],
    "import_id": lambda s, _: [str(s.batch_id)],
    "batch_id": lambda s, _: [str(s.batch_id)],
    "item_id": lambda s, _: [str(s.item_id)],
    "user_id": lambda s, _: [str(s.delegate_id)],
    "organisation_id": lambda s, _: [str(s.organisation_id)],
    "token_id": lambda s, _: [str(s.token_id)],
    "prov": lambda s, _: [str(s.provider_id), s.provider_accme_id],
    "activity_id": lambda s, _: [str(s.activity_id)],
}
# Query parameters that name a record (the portal's physician switch, a packet's licence).
QUERY_IDS: dict[str, Callable[[Side, str], list[str]]] = {
    "physician": lambda s, _: [str(s.tenant.physician_id)],
    "license": lambda s, _: [str(s.tenant.license_id)],
    "batch": lambda s, _: [str(s.batch_id)],
}


def nowhere(name: str, path: str) -> str:
    """A value of the same shape as a real id, naming nothing."""
    if name == "credit_id" and _pars(path):
        return "ccid:nowhere.example.org:1-cme"
    return str(uuid.uuid4())


@dataclass(frozen=True)
class Body:
    json: Any = None
    data: dict[str, str] | None = None
    files: list[tuple[str, tuple[str, bytes, str]]] | None = None
    headers: dict[str, str] = field(default_factory=dict)


def _pdf(name: str = "probe.pdf") -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("files", (name, b"%PDF-1.4\nnot much of a certificate\n%%EOF\n", "application/pdf"))]


def _learners(world: World) -> bytes:
    """A learner file for B's accepted activity: the upload would work if B were reachable."""
    b = world.b
    record = a_record(
        f"2026{int(b.provider_accme_id):05d}",
        provider_id=b.provider_accme_id,
        learner=a_learner(first_name="Mallory", last_name="Probe"),
    )
    return excel_learners.write_learner_workbook([record])


def bodies(world: World) -> dict[tuple[str, str], Body]:
    """A valid request for every unsafe endpoint: were the target reachable, it would work."""
    v1 = "/api/v1"
    phys = f"{v1}/physicians/{{physician_id}}"
    prov = f"{v1}/pars/providers/{{prov}}"
    document = [("file", ("probe.pdf", _pdf()[0][1][1], "application/pdf"))]
    learners = [("file", ("learners.xlsx", _learners(world), XLSX))]
    any_tag = {"If-Match": "*"}
    return {
        ("POST", f"{v1}/tokens"): Body(json={"name": "probe"}),
        ("DELETE", f"{v1}/tokens/{{token_id}}"): Body(),
        ("PATCH", phys): Body(json={"first_name": "Mallory"}, headers=any_tag),
        ("POST", f"{phys}/licenses"): Body(
            json={
                "jurisdiction": "CA",
                "board_type": "MD",
                "number": "A 999999",
                "expires": "2028-06-30",
            }
        ),
        ("POST", f"{phys}/certifications"): Body(
            json={"board": "ABIM", "specialty": "Internal Medicine"}
        ),
        ("POST", f"{phys}/dea-registrations"): Body(
            json={"number": DEA_NUMBER, "expires": "2028-05-31"}
        ),
        ("POST", f"{phys}/delegates"): Body(json={"email": world.a.delegate_email}),
        ("DELETE", f"{phys}/delegates/{{user_id}}"): Body(),
        ("POST", f"{phys}/credits"): Body(
            json={
                "title": "Mallory's course",
                "provider": "Probe Society",
                "completed_on": "2026-05-01",
                "credits": {"ama_pra_1": "1"},
            }
        ),
        ("PATCH", f"{phys}/credits/{{credit_id}}"): Body(
            json={"topics": ["opioid_prescribing"]}, headers=any_tag
        ),
        ("POST", f"{phys}/documents"): Body(files=document),
        ("POST", f"{phys}/imports"): Body(files=_pdf()),
        ("POST", f"{phys}/review/{{item_id}}/accept"): Body(json={"title": "Mallory's course"}),
        ("POST", f"{phys}/review/{{item_id}}/reject"): Body(),
        ("POST", f"{v1}/organisations/{{organisation_id}}/reminders"): Body(json={"dry_run": True}),
        ("PUT", f"{phys}/organisations/{{organisation_id}}/sharing"): Body(json={"shares": False}),
        ("POST", f"{prov}/activities"): Body(json=activity_body(title="Mallory Rounds")),
        ("POST", f"{prov}/activities/push"): Body(),
        ("POST", f"{prov}/learners"): Body(files=learners, data={"consent_recorded": "true"}),
        ("POST", f"{prov}/credits/{{credit_id}}/retry"): Body(),
        ("DELETE", f"{prov}/credits/{{credit_id}}"): Body(),
        # the portal's forms
        ("POST", "/upload"): Body(files=_pdf()),
        ("POST", "/review/{item_id}/accept"): Body(data={"title": "Mallory's course"}),
        ("POST", "/review/{item_id}/reject"): Body(data={}),
        ("POST", "/credentials/licences"): Body(
            data={
                "jurisdiction": "CA",
                "board_type": "MD",
                "number": "A 999999",
                "expires": "2028-06-30",
            }
        ),
        ("POST", "/credentials/certifications"): Body(
            data={"board": "ABIM", "specialty": "Internal Medicine"}
        ),
        ("POST", "/credentials/dea"): Body(data={"number": DEA_NUMBER, "expires": "2028-05-31"}),
        ("POST", "/exports/calendar"): Body(data={}),
        ("POST", "/organisation/reminders"): Body(data={"dry_run": "1"}),
        ("POST", "/pars/{prov}/activities"): Body(
            data={
                "title": "Mallory Rounds",
                "format": "live",
                "start": "2026-03-02",
                "end": "2026-03-02",
                "credits": "1",
                "city": "Chicago",
                "state": "IL",
                "country": "USA",
                "delivery": "In-Person",
            }
        ),
        ("POST", "/pars/{prov}/activities/push"): Body(data={}),
        ("POST", "/pars/{prov}/learners"): Body(files=learners, data={"consent_recorded": "true"}),
        ("POST", "/pars/{prov}/credits/{credit_id}/resubmit"): Body(data={}),
        ("POST", "/account/tokens"): Body(data={"name": "probe"}),
        ("POST", "/account/tokens/{token_id}/revoke"): Body(data={}),
        ("POST", "/account/delegates"): Body(data={"email": world.a.delegate_email}),
        ("POST", "/account/delegates/{user_id}/revoke"): Body(data={}),
        ("POST", "/account/organisations/{organisation_id}/sharing"): Body(data={"shares": ""}),
    }


def unclassified(endpoint: Endpoint) -> list[str]:
    """Parameters of `endpoint` that this module does not know how to fill."""
    known_path = IDS.keys() | NOT_IDS.keys()
    known_query = QUERY_IDS.keys() | NOT_IDS.keys()
    return [f"path {{{p}}}" for p in endpoint.params if p not in known_path] + [
        f"query ?{q}=" for q in endpoint.queries if q not in known_query
    ]


@dataclass(frozen=True)
class Aim:
    """One concrete request: the URL, and the values in it that name side B's records
    (an answer may echo what was asked for; it must not show anything else of B's)."""

    url: str
    twin: str  # the same request with every B value replaced by one naming nothing
    sent: tuple[str, ...]


def _fill(path: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        path = path.replace("{" + name + "}", value)
    return path


def aims(endpoint: Endpoint, mine: Side, theirs: Side) -> Iterator[Aim]:
    """Every way to name B in this endpoint: each mix of A's and B's ids in the path with
    at least one of B's, and B's id in each query parameter that names a record."""
    id_params = [p for p in endpoint.params if p in IDS]
    fixed = {p: NOT_IDS[p] for p in endpoint.params if p in NOT_IDS}
    path = endpoint.path
    for mask in range(1, 2 ** len(id_params)):
        choices: list[list[tuple[str, str, bool]]] = []
        for bit, name in enumerate(id_params):
            if mask >> bit & 1:
                choices.append([(name, v, True) for v in IDS[name](theirs, path)])
            else:
                choices.append([(name, IDS[name](mine, path)[0], False)])
        for combo in _product(choices):
            real = {**fixed, **{n: v for n, v, _ in combo}}
            twin = {**fixed, **{n: nowhere(n, path) if b else v for n, v, b in combo}}
            sent = tuple(v for _, v, b in combo if b)
            yield Aim(_fill(path, real), _fill(path, twin), sent)
    for query in endpoint.queries:
        if query not in QUERY_IDS:
            continue
        base = _fill(path, {**fixed, **{p: IDS[p](mine, path)[0] for p in id_params}})
        for value in QUERY_IDS[query](theirs, path):
            yield Aim(f"{base}?{query}={value}", f"{base}?{query}={uuid.uuid4()}", (value,))


def _product(choices: list[list[tuple[str, str, bool]]]) -> Iterator[list[tuple[str, str, bool]]]:
    if not choices:
        yield []
        return
    for first in choices[0]:
        for rest in _product(choices[1:]):
            yield [first, *rest]


def plain_url(endpoint: Endpoint, mine: Side) -> str:
    """The endpoint aimed at side A's own records (for endpoints that name none, the path)."""
    values = {p: NOT_IDS[p] for p in endpoint.params if p in NOT_IDS}
    values.update({p: IDS[p](mine, endpoint.path)[0] for p in endpoint.params if p in IDS})
    return _fill(endpoint.path, values)
