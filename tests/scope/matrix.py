"""The scope matrix's rows: every URL pattern and API route, for each of the eight personas.

A row names a route (and method), says how to build its URL, query and body from the 南县 objects
(`conftest.nanxian_objects`), and states the answer each persona gets. `row()` fills in the usual
pattern so a row only says what is particular to it:

- `ok`: who succeeds (status `ok_status`: 200 for a read, 302 or 201 for a write);
- `forbidden`: who sees the object but may not do this (403);
- everyone else signed in gets `other` (404: the object is outside their scope, or 403 for a page
  their role may not open), and an anonymous visitor is sent to the login page (302) or gets 401
  from the API;
- `hidden`: text of 南县's object that must not appear on a 200 page of anyone outside `sees`
  (lists answer 200 to everybody, but show only the scope).

A new route adds its rows to ROWS; `test_matrix.test_every_route_has_rows` fails, naming it, until
it does. A module's rows may live in a file of their own, `tests/scope/rows_<part>.py`, with a
`ROWS` list (and, if its routes need objects of their own, an `objects(world, objs)` function that
returns more 南县 objects for `conftest.nanxian_objects`); they are added to ROWS here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

PERSONAS = ("nanxian", "hunan", "cili", "home_reporter", "anonymous", "sysadmin", "secadmin", "auditor")
SIGNED_IN = frozenset(PERSONAS) - {"anonymous"}
ADMINS = frozenset({"sysadmin", "secadmin", "auditor"})
OWN = frozenset({"nanxian", "hunan"})  # 南县's officer and the province's above it
OWN_HOME = OWN | {"home_reporter"}  # … and the reporter of the home the object belongs to
OFFICERS = frozenset({"nanxian", "hunan", "cili"})  # bureau officers, each in their own area
REGISTRY = OWN_HOME | {"sysadmin", "secadmin"}  # who sees 南县福利院 in the unit registry
DAY = "2021-08-02"

Build = Callable[[dict], Any]


@dataclass(frozen=True)
class Row:
    name: str
    method: str
    api: bool
    expect: dict[str, int]
    args: Build = lambda o: []
    query: Build = lambda o: {}
    body: Build | None = None
    hidden: str = ""
    sees: frozenset[str] = field(default_factory=frozenset)
    fmt: str = "json"  # an API body's format

    @property
    def writes(self) -> bool:
        return self.method != "get"

    def __str__(self) -> str:
        return f"{self.name} {self.method.upper()}"


def row(name: str, method: str = "get", *, api: bool | None = None, args: Build | list[str] = (),
        query: Build | None = None, body: Build | dict | None = None, ok=frozenset(), ok_status: int | None = None,
        forbidden=frozenset(), other: int = 404, anonymous: int | None = None, hidden: str = "", sees=None,
        fmt: str = "json", **exact: int) -> Row:
    api = (name.count(":") == 0 and name not in ("home", "healthz", "set_language")) if api is None else api
    if ok_status is None:
        ok_status = 200 if method == "get" or api else 302
    expect = {p: other for p in SIGNED_IN}
    expect.update({p: ok_status for p in ok})
    expect.update({p: 403 for p in forbidden})
    expect["anonymous"] = anonymous if anonymous is not None else (401 if api else 302)
    expect.update(exact)
    if isinstance(args, (list, tuple)):
        names = list(args)
        args = lambda o, names=names: [o[n].pk if n in o else n for n in names]  # noqa: E731
    body_fn = (lambda o, b=body: b) if isinstance(body, dict) else body
    return Row(name, method, api, expect, args, query or (lambda o: {}), body_fn, hidden,
               frozenset(sees if sees is not None else ok), fmt)


def filing(o):
    return {"assignment": o["assignment"].pk, "region": "430921", "day": DAY}


CORRECTION = {"reason": "改", "residents_in_care": "80"}
RAISE = {"category": "fire", "severity": "general", "deadline": "2021-08-09"}
NEW_ACCOUNT = {"username": "nanxian-home-99", "full_name": "新填报员", "unit": "南县福利院", "role": "reporter"}
GRANT = {"unit": "南县南洲镇敬老院", "role": "reporter"}
UNIT_EDIT = {"name": "南县福利院", "kind": "elderly_care", "region": "430921", "beds": "130"}

ROWS: list[Row] = [
    # --- open pages ------------------------------------------------------------------------------
    row("accounts:login", ok=frozenset(), other=302, anonymous=200),
    row("accounts:logout", "post", other=302, anonymous=302),
    # the code step: nothing pending (no password step in this session), so back to the password step
    row("accounts:login-code", other=302, anonymous=302),
    row("accounts:login-code", "post", body={"otp_token": "123456"}, other=302, anonymous=302),
    row("healthz", ok=SIGNED_IN, anonymous=200),
    row("set_language", "post", body={"language": "en", "next": "/"}, other=302, anonymous=302),
    row("home", ok=SIGNED_IN),
    # --- the unit registry: reference data its keeper (sysadmin) sees and changes --------------------
    row("units:list", ok=SIGNED_IN, hidden="南县福利院", sees=REGISTRY),
    row("units:create", ok=OFFICERS | {"sysadmin"}, other=403),
    row("units:create", "post", body={"name": "南县新院", "kind": "elderly_care", "region": "430921"},
        ok=OWN | {"sysadmin"}, other=403, cili=400),
    row("units:export", ok=SIGNED_IN),
    row("units:import", ok=OFFICERS | {"sysadmin"}, other=403),
    row("units:import", "post", body={}, ok=frozenset(), other=403, nanxian=400, hunan=400, cili=400,
        sysadmin=400),
    row("units:import-template", ok=SIGNED_IN),
    row("units:detail", args=["home"], ok=REGISTRY),
    row("units:edit", args=["home"], ok=OWN | {"sysadmin"}, forbidden={"home_reporter", "secadmin"}),
    row("units:edit", "post", args=["home"], body=UNIT_EDIT, ok=OWN | {"sysadmin"},
        forbidden={"home_reporter", "secadmin"}),
    row("unit-list", ok=SIGNED_IN, hidden="南县福利院", sees=REGISTRY),
    row("unit-list", "post", body={"name": "南县新院", "kind": "elderly_care", "region": "430921"},
        ok=OWN | {"sysadmin"}, ok_status=201, other=403, cili=403),
    row("unit-detail", args=["home"], ok=REGISTRY),
    row("unit-detail", "patch", args=["home"], body={"beds": 130}, ok=OWN | {"sysadmin"},
        forbidden={"home_reporter", "secadmin"}),
    row("unit-detail", "put", args=["home"], body={"name": "南县福利院", "kind": "elderly_care", "region": "430921"},
        ok=OWN | {"sysadmin"}, forbidden={"home_reporter", "secadmin"}),
    # pickers that search as you type: everyone signed in asks; each gets only their own scope's matches
    row("units:pick-regions", query=lambda o: {"field": "region", "region": "nx"}, ok=SIGNED_IN,
        hidden="430921", sees=OWN_HOME),
    row("units:pick-units", query=lambda o: {"q": "nxfly"}, ok=SIGNED_IN, hidden="南县福利院", sees=REGISTRY),
    row("region-list", query=lambda o: {"q": "nx"}, ok=SIGNED_IN, hidden="430921", sees=OWN_HOME),
    # --- reports -----------------------------------------------------------------------------------
    row("reports:today", ok=SIGNED_IN),
    row("reports:file", args=["assignment", DAY], query=lambda o: {"unit": o["home_2"].pk}, ok=OWN),
    row("reports:file", "post", args=["assignment", DAY], query=lambda o: {"unit": o["home_2"].pk},
        body={"zero": "1"}, ok=OWN, ok_status=400),  # reached: a zero report needs carried figures
    row("reports:detail", args=["report"], ok=OWN_HOME),
    row("reports:correct", "post", args=["report"], body=CORRECTION, ok=OWN_HOME, ok_status=400),
    row("reports:raise-entry", "post", args=["report"], body=RAISE, ok=OWN, ok_status=400,
        forbidden={"home_reporter"}),  # reached: the fixture's report names no problem to raise
    row("reports:forms", ok=SIGNED_IN),
    row("reports:form-create", ok=OFFICERS, other=403),
    row("reports:form-import", ok=OFFICERS, other=403),
    row("reports:form-import", "post", body={}, ok=OFFICERS, ok_status=400, other=403),
    row("reports:form-detail", args=["form"], ok=SIGNED_IN),
    row("reports:form-edit", args=["form"], ok=OFFICERS, other=403),
    row("reports:form-edit", "post", args=["form"], body={}, ok=OFFICERS, ok_status=400, other=403),
    row("reports:form-export", args=["form"], ok=SIGNED_IN),
    row("reports:assignments", ok=SIGNED_IN, hidden="南县日报", sees=OWN_HOME),
    row("reports:assignment-create", ok=OFFICERS, other=403),
    row("reports:assignment-create", "post", body={}, ok=OFFICERS, ok_status=400, other=403),
    row("reports:assignment-detail", args=["assignment"], ok=OWN_HOME),
    row("reports:overview", query=filing, ok=OWN, home_reporter=302, sysadmin=302, secadmin=302, auditor=302),
    row("reports:remind", query=filing, ok=OWN),  # the confirmation page
    row("reports:remind", "post", body=lambda o: {**filing(o), "confirm": "1"}, ok=OWN),
    row("reports:batch-upload", query=filing, ok=OWN_HOME, sysadmin=403, secadmin=403, auditor=403),
    row("reports:batch-upload", "post", query=filing, body={}, ok=OWN_HOME, ok_status=400,
        sysadmin=403, secadmin=403, auditor=403),
    row("reports:batch-template", query=filing, ok=OWN_HOME, sysadmin=403, secadmin=403, auditor=403),
    row("reports:table", query=filing, ok=OWN),
    row("reports:export-regions", args=["xlsx"], query=filing, ok=OWN),
    row("reports:export-units", args=["xlsx"], query=filing, ok=OWN),
    row("report-list", ok=SIGNED_IN, hidden="南县福利院", sees=OWN_HOME),
    row("report-list", "post", body=lambda o: {"assignment": o["assignment"].pk, "unit": o["home_2"].pk,
                                               "day": DAY, "zero": True},
        ok=OWN, ok_status=400),  # reached: a zero report needs carried figures; others: unit 404
    row("report-detail", args=["report"], ok=OWN_HOME),
    row("report-correct", "post", args=["report"], body={"reason": "改", "values": {"residents_in_care": 80}},
        ok=OWN_HOME, ok_status=400),  # reached: the corrected values are incomplete
    row("report-revisions", args=["report"], ok=OWN_HOME),
    row("report-raise-entry", "post", args=["report"], body=RAISE, ok=OWN, ok_status=400,
        forbidden={"home_reporter"}),  # reached: the fixture's report names no problem to raise
    row("report-form-list", ok=SIGNED_IN),
    row("report-form-list", "post", body={}, ok=OFFICERS, ok_status=400, other=400),
    row("report-form-detail", args=["form"], ok=SIGNED_IN),
    row("report-form-versions", args=["form"], ok=SIGNED_IN),
    row("report-assignment-list", ok=SIGNED_IN, hidden="南县日报", sees=OWN_HOME),
    row("report-assignment-list", "post", body={}, ok=OFFICERS, ok_status=400, other=400),
    row("report-assignment-detail", args=["assignment"], ok=OWN_HOME),
    row("completeness-list", query=filing, ok=OWN),
    row("completeness-missing", query=filing, ok=OWN),
    row("rollup-list", query=lambda o: {"assignment": o["assignment"].pk, "region": "430921",
                                        "day_from": DAY, "day_to": DAY}, ok=OWN),
    # --- inspections -----------------------------------------------------------------------------
    row("inspections:list", ok=SIGNED_IN, hidden="南县督导组", sees=OWN_HOME),
    row("inspections:start", ok={"nanxian", "home_reporter"}, other=403, hunan=302, cili=302),
    row("inspections:start", "post", body={}, other=403),
    row("inspections:team-create", ok=OFFICERS, other=403),
    row("inspections:team-create", "post", body={}, ok=OFFICERS, ok_status=400, other=403),
    row("inspections:detail", args=["inspection"], ok=OWN_HOME),
    row("inspections:answer", "post", args=["inspection"], body={"item_key": "leader_in_charge", "result": "fail"},
        ok={"nanxian"}, forbidden={"hunan", "home_reporter"}),
    row("inspections:findings", args=["inspection"], ok=OWN_HOME),
    row("inspections:finding", "post", args=["inspection", "finding"], body={"action": "drop"},
        ok={"nanxian"}, forbidden={"hunan", "home_reporter"}),
    row("inspections:finish", "post", args=["inspection"], body={"summary": "x"},
        ok={"nanxian"}, ok_status=400, forbidden={"hunan", "home_reporter"}),  # reached: items unanswered
    row("inspections:campaigns", ok=SIGNED_IN, hidden="南县排查", sees=OWN_HOME),
    row("inspections:campaign-create", ok=OFFICERS, other=403),
    row("inspections:campaign-create", "post", body={}, ok=OFFICERS, ok_status=400, other=403),
    row("inspections:campaign-detail", args=["campaign"], ok=OWN),
    row("checklist-list", ok=SIGNED_IN),
    row("checklist-list", "post", body={}, ok=OFFICERS, ok_status=400, other=400),
    row("checklist-detail", args=["checklist"], ok=SIGNED_IN),
    row("campaign-list", ok=SIGNED_IN, hidden="南县排查", sees=OWN_HOME),
    row("campaign-list", "post", body={}, ok=SIGNED_IN, ok_status=400),
    row("campaign-detail", args=["campaign"], ok=OWN_HOME),
    row("campaign-progress", args=["campaign"], ok=OWN),
    row("team-list", ok=SIGNED_IN, hidden="南县督导组", sees=OWN),
    row("team-list", "post", body={}, ok=SIGNED_IN, ok_status=400),
    row("team-detail", args=["team"], ok=OWN),
    row("inspection-list", ok=SIGNED_IN, hidden="南县福利院", sees=OWN_HOME),
    row("inspection-list", "post", body={}, ok=SIGNED_IN, ok_status=400),
    row("inspection-detail", args=["inspection"], ok=OWN_HOME),
    row("inspection-answers", "post", args=["inspection"], body={"item_key": "leader_in_charge", "result": "fail"},
        ok={"nanxian"}, forbidden={"hunan", "home_reporter"}),
    row("inspection-finish", "post", args=["inspection"], body={"summary": "x"},
        ok={"nanxian"}, ok_status=400, forbidden={"hunan", "home_reporter"}),
    row("inspection-finding", "patch", args=["inspection", "finding"], body={"dropped": True},
        ok={"nanxian"}, forbidden={"hunan", "home_reporter"}),
    row("inspection-finding-merge", "post", args=["inspection"], body={"keep": 1, "others": []},
        ok=OWN_HOME, ok_status=400),  # the bad body is refused before the role is asked
    # --- the ledger and evidence files ---------------------------------------------------------------
    row("ledger:list", ok=SIGNED_IN, hidden="通道堵塞", sees=OWN_HOME),
    row("ledger:create", ok=OFFICERS | {"home_reporter"}, other=403),
    row("ledger:create", "post", body={}, ok=OFFICERS | {"home_reporter"}, ok_status=400, other=403),
    row("ledger:stats", query=lambda o: {"region": "430921"}, ok=OWN_HOME),
    row("ledger:export", ok=SIGNED_IN),
    row("ledger:detail", args=["entry"], ok=OWN_HOME),
    row("ledger:transition", "post", args=["entry"], body={"name": "start"}, ok=OWN_HOME),
    row("files:file", args=["attachment"], ok=OWN_HOME),
    row("files:thumb", args=["attachment"], ok=OWN_HOME),
    row("inspections:campaign-export", args=["campaign"], ok=OWN),
    row("ledger-entry-list", ok=SIGNED_IN, hidden="通道堵塞", sees=OWN_HOME),
    row("ledger-entry-list", "post", body={}, ok=SIGNED_IN, ok_status=400),
    row("ledger-entry-detail", args=["entry"], ok=OWN_HOME),
    row("ledger-entry-transition", "post", args=["entry"], body={"name": "start"}, ok=OWN_HOME),
    row("ledger-entry-fix-on-spot", "post", body={}, ok=SIGNED_IN, ok_status=400),
    row("attachment-list", "post", body={}, ok=SIGNED_IN, ok_status=400, fmt="multipart"),
    row("attachment-detail", args=["attachment"], ok=OWN_HOME),
    row("attachment-file", args=["attachment"], ok=OWN_HOME),
    # --- the audit trail and notifications ------------------------------------------------------------
    row("audit:list", ok={"auditor"}, other=403),
    row("audit:export", ok={"auditor"}, other=403),
    row("notifications:list", ok=SIGNED_IN, hidden="南县专用日报", sees={"nanxian"}),
    row("notifications:read", "post", args=["notification"], ok={"nanxian"}),
    row("notifications:read-all", "post", ok=SIGNED_IN),
    # --- accounts: one's own password; account administration (the security administrator's) ----------
    row("accounts:password", ok=SIGNED_IN),
    row("accounts:password", "post", body={}, ok=SIGNED_IN, ok_status=400),  # reached: the form is empty
    row("api-password", "post", body={}, ok=SIGNED_IN, ok_status=400, api=True),
    row("accounts:twofactor", ok=SIGNED_IN),
    row("accounts:twofactor", "post", body={"action": "enable"}, ok=SIGNED_IN, ok_status=400),  # no code
    row("users:list", ok={"secadmin"}, other=403),
    row("users:create", ok={"secadmin"}, other=403),
    row("users:create", "post", body=NEW_ACCOUNT, ok={"secadmin"}, ok_status=200, other=403),
    row("users:detail", args=["account"], ok={"secadmin"}, other=403),
    row("users:grant", "post", args=["account"], body=GRANT, ok={"secadmin"}, other=403),
    row("users:revoke", "post", args=["account", "role"], ok={"secadmin"}, other=403),
    row("users:reset", "post", args=["account"], ok={"secadmin"}, ok_status=200, other=403),
    row("users:state", "post", args=["account"], body={"action": "lock"}, ok={"secadmin"}, other=403),
    row("account-list", ok={"secadmin"}, other=403),
    row("account-list", "post", body=NEW_ACCOUNT, ok={"secadmin"}, ok_status=201, other=403),
    row("account-detail", args=["account"], ok={"secadmin"}, other=403),
    row("account-reset-password", "post", args=["account"], ok={"secadmin"}, other=403),
    row("account-lock", "post", args=["account"], ok={"secadmin"}, other=403),
    row("account-unlock", "post", args=["account"], ok={"secadmin"}, other=403),
    row("account-deactivate", "post", args=["account"], ok={"secadmin"}, other=403),
    row("account-reactivate", "post", args=["account"], ok={"secadmin"}, other=403),
    row("account-roles", "post", args=["account"], body=GRANT, ok={"secadmin"}, ok_status=201, other=403),
    row("users:lockouts", ok={"secadmin"}, other=403),
    row("users:lockout_lift", "post", body=lambda o: {"lockout": f"account-{o['account'].pk}"}, ok={"secadmin"},
        other=403),
    row("lockout-list", ok={"secadmin"}, other=403),
    row("lockout-detail", "delete", args=lambda o: [f"account-{o['account'].pk}"], ok={"secadmin"},
        ok_status=204, other=403),
    row("system:settings", ok={"sysadmin"}, other=403),
    row("system:settings", "post", body={"key": "reports.reminder_dedupe_minutes", "value": "45"},
        ok={"sysadmin"}, other=403),
    row("membership-list", ok={"secadmin"}, other=403),
    row("membership-detail", args=["role"], ok={"secadmin"}, other=403),
    row("membership-detail", "delete", args=["role"], ok={"secadmin"}, ok_status=204, other=403),
    # --- the API's own pages -------------------------------------------------------------------------
    row("api-root", ok=SIGNED_IN),
    row("api-schema", ok=SIGNED_IN, anonymous=200),
    row("api-docs", ok=SIGNED_IN, anonymous=200),
    row("api-token", "post", body={"username": "nanxian", "password": "wrong"}, other=400, anonymous=400),
]


def _part_modules():
    """The `tests/scope/rows_*.py` modules, in name order."""
    import importlib
    import pkgutil
    from pathlib import Path

    here = Path(__file__).parent
    return [importlib.import_module(f"tests.scope.{m.name}")
            for m in sorted(pkgutil.iter_modules([str(here)]), key=lambda m: m.name) if m.name.startswith("rows_")]


def family(part) -> str:
    """The app a rows module is about: rows_command_duty → "command"."""
    return part.__name__.rsplit(".", 1)[-1].split("_")[1]


PARTS = _part_modules()
# Which family's objects a row needs: a part's rows need the objects of its own app's parts (built by
# conftest.nanxian_objects); the rows above need none of the parts' objects.
ROW_FAMILY: dict[int, str] = {}
for _part in PARTS:
    ROWS.extend(_part.ROWS)
    ROW_FAMILY.update({id(r): family(_part) for r in _part.ROWS})
