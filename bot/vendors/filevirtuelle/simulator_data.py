"""Seed data of the FileVirtuelle simulator, the documented error bodies, and
the server side of the search engine and projections.

Two stores of one organization: Paris (FR and EN, registration by name or
email) and Lyon (FR only, by phone only); a two-level prequalification tree
in each with an appointment leaf; desks; one organization-wide ticket
machine (the bot's) and one Paris kiosk showing a choice of its own.
"""

from __future__ import annotations

import copy
import operator
import re
from typing import Any

API_KEY = "fv-sim-6b1f0e2a"
ORGANIZATION_ID = "5f1e00000000000000000001"
PARIS = "5f1e000000000000000000a1"
LYON = "5f1e000000000000000000a2"
MACHINE = "5f1e000000000000000000d1"  # the bot's ticket machine (organization-wide)
KIOSK = "5f1e000000000000000000d2"  # a Paris ticket machine
PARIS_DESK_1 = "5f1e000000000000000000d3"
PARIS_DESK_2 = "5f1e000000000000000000d4"
LYON_DESK = "5f1e000000000000000000d5"
PARIS_SCREEN = "5f1e000000000000000000d6"

PICKUP = "5f1e000000000000000000b1"  # Paris, root, leaf
AFTER_SALES = "5f1e000000000000000000b2"  # Paris, root, two children
REPAIR = "5f1e000000000000000000b3"
APPOINTMENT = "5f1e000000000000000000b4"  # meeting; named in French only
KIOSK_ONLY = "5f1e000000000000000000b5"  # shown on the Paris kiosk only
RETURNS = "5f1e000000000000000000c1"  # Lyon, root, two children
EXCHANGE = "5f1e000000000000000000c2"
LYON_MEETING = "5f1e000000000000000000c3"
INFO = "5f1e000000000000000000c4"  # Lyon, root, leaf

ERRORS: dict[str, tuple[int, str]] = {
    "NoAuthorizationHeaderError": (417, "No authorization header found. You should provide an "
                                        "Authorization header with Authorization: "
                                        "api_key:signature."),
    "NoTwoPartAuthorizationError": (417, "Authorization header should be of two parts: "
                                         "api_key:signature."),
    "InvalidAPIKey": (403, "API Key does not exist."),
    "InvalidSignature": (403, "The signature does not match."),
    "InvalidTimestamp": (403, "Invalid timestamp."),
    "AccountIsLocked": (403, "Your account is locked. Please contact an administrator."),
    "InvalidRoute": (403, "You don't have access to this route."),
    "RateLimitExceeded": (429, "You have exceeded the max number of requests per minutes."),
    "InvalidOrganization": (422, "Invalid organization. Check the ID."),
    "InvalidSuborganization": (422, "Invalid suborganization. Check the ID."),
    "InvalidPrequalification": (422, "Invalid prequalification. Check the ID."),
    "InvalidDevice": (422, "Invalid device. Check the ID"),
    "InvalidDesk": (422, "Invalid desk. Check the ID"),
    "InvalidDeviceType": (422, "Type of the device is invalid for this action"),
    "InvalidLang": (422, "Invalid lang. Use ISO 639-1 two characters codename"),
    "InvalidIso8601": (422, "The date is not formatted following the ISO 8601 format"),
    "InvalidContactInformation": (422, "Invalid contact information. You should provide a "
                                       "phone number, an email address or a name."),
    "ContactModeUnavailable": (403, "Your mode of registration is not activated. Check the "
                                    "suborganization configuration for more details."),
    "FairUseExceeded": (403, "You are in testing phase and you have exceeded your fair use. "
                             "Now you should only register people by name."),
    "InvalidEntity": (422, "This entity is invalid. Check the ID"),
}


def error_body(name: str) -> dict[str, Any]:
    code, message = ERRORS[name]
    return {"code": code, "error": name, "message": message}


ORGANIZATIONS = [{"_id": ORGANIZATION_ID, "name": "Maison Exemple", "logo": "/img/logo.png",
                  "colorone": "#123456", "colortwo": "#FFFFFF"}]


def _store(sid: str, name: str, langs: list[str], *, undigital: bool, sms: bool, email: bool,
           by_people: bool, ptc: int, ttc: int) -> dict[str, Any]:
    return {
        "_id": sid, "name": name, "organization": ORGANIZATION_ID, "tz": "Europe/Paris",
        "langs": langs, "undigital": undigital, "call_by_people": by_people,
        "ptc": ptc, "ttc": ttc, "tbm": 10, "store_code": sid[-4:], "css_template": "default",
        "sms": {"activated": sms, "default_code": "FR", "provider": "sim", "sender": "Maison"},
        "email": {"activated": email, "provider": "sim", "sender": "queue@example.com"},
        "meeting": {"activated": True, "meeting_on_machine": True, "expired": 10},
    }


STORES = [
    _store(PARIS, "Maison Exemple Paris", ["FR", "EN"], undigital=True, sms=False, email=True,
           by_people=True, ptc=2, ttc=10),
    _store(LYON, "Maison Exemple Lyon", ["FR"], undigital=False, sms=True, email=False,
           by_people=False, ptc=3, ttc=15),
]


def _device(did: str, sid: str, name: str, kind: str, *, pause: bool = False) -> dict[str, Any]:
    return {"_id": did, "organization": ORGANIZATION_ID, "suborganization": sid, "name": name,
            "hostname": name.replace(" ", "-").lower(), "type": kind,
            "html_name": {"FR": name}, "pause": {"duration": 0},
            "status": {"open": True, "pause": pause, "pre_close": False, "redirect": False}}


DEVICES = [
    _device(MACHINE, "", "Telegram", "machine"),
    _device(KIOSK, PARIS, "Borne Paris", "machine"),
    _device(PARIS_DESK_1, PARIS, "Guichet 1", "desk"),
    _device(PARIS_DESK_2, PARIS, "Guichet 2", "desk"),
    _device(LYON_DESK, LYON, "Guichet A", "desk"),
    _device(PARIS_SCREEN, PARIS, "Écran", "screen"),
]


def _node(pid: str, sid: str, names: dict[str, str], order: int, *, root: bool = False,
          children: tuple[str, ...] = (), meeting: bool = False, waiting: int = 0,
          machines: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"_id": pid, "suborganization": sid, "name": names, "html_name": names,
            "header": {}, "prequalifications": list(children), "root": root,
            "meeting": meeting, "waiting": waiting, "machine_order": order,
            "desk_order": order, "machines": list(machines), "desks": [], "screens": [],
            "prioritize": False, "default": order == 1 and root}


PREQUALIFICATIONS = [
    _node(PICKUP, PARIS, {"FR": "Retrait de commande", "EN": "Order pickup"}, 1, root=True,
          waiting=5),
    _node(AFTER_SALES, PARIS, {"FR": "Service après-vente", "EN": "After-sales service"}, 2,
          root=True, children=(REPAIR, APPOINTMENT)),
    _node(REPAIR, PARIS, {"FR": "Réparation", "EN": "Repair"}, 1, waiting=15),
    _node(APPOINTMENT, PARIS, {"FR": "J'ai un rendez-vous"}, 2, meeting=True, waiting=20),
    _node(KIOSK_ONLY, PARIS, {"FR": "Borne seulement", "EN": "Kiosk only"}, 3, root=True,
          machines=(KIOSK,)),
    _node(RETURNS, LYON, {"FR": "Retours"}, 1, root=True, children=(EXCHANGE, LYON_MEETING)),
    _node(EXCHANGE, LYON, {"FR": "Échange"}, 1, waiting=10),
    _node(LYON_MEETING, LYON, {"FR": "Rendez-vous"}, 2, meeting=True, waiting=20),
    _node(INFO, LYON, {"FR": "Informations"}, 2, root=True, waiting=3),
]


def by_id(docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {d["_id"]: d for d in docs}


# -- the search engine and projections, server side --------------------------------

_CONDITION = re.compile(r"^([A-Za-z0-9_.]+)(<=|>=|!=|=|<|>)(.*)$", re.S)
_COMPARE = {"=": operator.eq, "!=": operator.ne, "<": operator.lt, ">": operator.gt,
            "<=": operator.le, ">=": operator.ge}

Search = list[list[tuple[str, str, str]]]  # OR of ANDs


def parse_search(text: str) -> Search:
    """``a=1&b>2|c!=3`` (already URL-decoded) as alternatives of conditions."""
    groups: Search = []
    for alternative in text.split("|"):
        conditions = []
        for part in alternative.split("&"):
            found = _CONDITION.match(part)
            if found is None:
                raise ValueError(f"not a condition: {part!r}")
            conditions.append((found[1], found[2], found[3]))
        groups.append(conditions)
    return groups


def lookup(doc: Any, dotted: str) -> Any:
    for key in dotted.split("."):
        if not isinstance(doc, dict) or key not in doc:
            return None
        doc = doc[key]
    return doc


def _holds(actual: Any, op: str, raw: str) -> bool:
    expected: Any = raw
    if isinstance(actual, bool):
        expected = {"true": True, "false": False}.get(raw.lower(), raw)
    elif isinstance(actual, int | float):
        try:
            expected = float(raw)
        except ValueError:
            return op == "!="
    elif actual is None:
        actual = ""
    try:
        return bool(_COMPARE[op](actual, expected))
    except TypeError:
        return op == "!="


def matches(doc: dict[str, Any], search: Search) -> bool:
    return any(all(_holds(lookup(doc, k), op, v) for k, op, v in group) for group in search)


def project(doc: dict[str, Any], fields: str) -> dict[str, Any]:
    """MongoDB-style projection; mixing inclusion and exclusion is an error."""
    names = [f for f in fields.split(",") if f]
    excluded = [n.startswith("-") for n in names]
    if any(excluded) and not all(excluded):
        raise ValueError("cannot mix inclusion and exclusion")
    if all(excluded):
        result = copy.deepcopy(doc)
        for name in names:
            *parents, last = name[1:].split(".")
            holder = lookup(result, ".".join(parents)) if parents else result
            if isinstance(holder, dict):
                holder.pop(last, None)
        return result
    result = {"_id": doc["_id"]} if "_id" in doc else {}
    for name in names:
        *parents, last = name.split(".")
        source = lookup(doc, ".".join(parents)) if parents else doc
        if not isinstance(source, dict) or last not in source:
            continue
        target = result
        for key in parents:
            target = target.setdefault(key, {})
        target[last] = copy.deepcopy(source[last])
    return result
