"""The simulator's stores' queues: registering, calling, updating, removing.

Pure logic on :mod:`.simulator_data`, no HTTP: :mod:`.simulator` feeds it
request bodies and turns :class:`Refused` into the documented error bodies.
Customers are kept as API documents (ISO 8601 UTC strings with ``Z``, which
sort in time order), plus a private ``_seq`` breaking ties.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from bot.vendors._simulator import SimClock
from bot.vendors.filevirtuelle import simulator_data as data
from bot.vendors.filevirtuelle.models import utc_iso

_PHONE = re.compile(r"^\+?[0-9][0-9 .-]{5,18}[0-9]$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_LANG = re.compile(r"^[A-Za-z]{2}$")
_UTC_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")
STORES, DEVICES = data.by_id(data.STORES), data.by_id(data.DEVICES)
NODES = data.by_id(data.PREQUALIFICATIONS)

Doc = dict[str, Any]


class Refused(Exception):
    """A request the API refuses; ``body`` is the documented error body."""

    def __init__(self, name: str, status: int | None = None, message: str | None = None):
        super().__init__(name)
        self.name = name
        self.body = data.error_body(name) if name in data.ERRORS else {
            "code": status, "error": name, "message": message or name}


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def public(customer: Doc) -> Doc:
    return {k: v for k, v in customer.items() if k != "_seq"}


class Queues:
    """Every store's customers; ``on_call`` hears of each ``/next`` call."""

    def __init__(self, clock: SimClock, api_key: str, *, testing: bool = False,
                 on_call: Callable[[Doc], None] = lambda payload: None) -> None:
        self.clock = clock
        self.api_key = api_key
        self.testing = testing
        self.fairuse = {"sms": 10, "email": 50}
        self.customers: dict[str, Doc] = {}
        self._on_call = on_call
        self._tickets: Counter[str] = Counter()
        self._ids = itertools.count(1)

    def waiting(self, store_id: str) -> list[Doc]:
        """The store's waiting customers in serving order (live documents)."""
        return sorted((c for c in self.customers.values() if c["suborganization"] == store_id
                       and not c["called"] and not c["processed"]),
                      key=lambda c: (not c["prioritized"], c["stimestamp"], c["_seq"]))

    def add(self, store: Doc, node: Doc, path: list[str], machine: str, lang: str,
            contact: dict[str, str], mtimestamp: str | None = None,
            external: str | None = None, at: datetime | None = None) -> Doc:
        now = self.clock.now()
        self._tickets[store["_id"]] += 1
        seq = next(self._ids)
        kind = "phone" if "phone" in contact else "email" if "email" in contact else "name"
        sort = mtimestamp or utc_iso(at or now)
        customer = {
            "_id": f"{0x5f1e << 80 | seq:024x}", "_seq": seq, **contact, "machine": machine,
            "suborganization": store["_id"], "prequalification": node["_id"], "lang": lang,
            "registered_by": self.api_key, "prequalifications_path": path, "type": kind,
            "ticket": str(self._tickets[store["_id"]]), "meeting": mtimestamp is not None,
            "rsvp": mtimestamp is None, "prioritized": bool(node.get("prioritize")),
            "digital": kind != "name", "called": False, "processed": False, "expired": False,
            "pbc": len(self.waiting(store["_id"])), "ttp": 0, "ttw": 0, "desk": "",
            "rtimestamp": utc_iso(now), "utimestamp": utc_iso(now),
            "stimestamp": sort, "mtimestamp": sort,
        }
        if external is not None:
            customer["external_meeting_id"] = external
        self.customers[customer["_id"]] = customer
        return customer

    # -- the documented write routes ----------------------------------------------------

    def register(self, body: Doc) -> Doc:
        lang = body.get("lang")
        if not isinstance(lang, str) or not _LANG.match(lang):
            raise Refused("InvalidLang")
        store = STORES.get(body.get("suborganization"))
        if store is None:
            raise Refused("InvalidSuborganization")
        node = NODES.get(body.get("prequalification"))
        path = body.get("prequalifications_path")
        if (node is None or node["suborganization"] != store["_id"] or not isinstance(path, list)
                or not path or path[-1] != node["_id"]
                or any(NODES.get(p, {}).get("suborganization") != store["_id"] for p in path)):
            raise Refused("InvalidPrequalification")
        machine = DEVICES.get(body.get("machine"))
        if machine is None or machine["suborganization"] not in ("", store["_id"]):
            raise Refused("InvalidDevice")
        if machine["type"] != "machine":
            raise Refused("InvalidDeviceType")
        contact = self.contact(store, body)
        mtimestamp = None
        if body.get("meeting") is True:
            raw = body.get("mtimestamp")
            if not isinstance(raw, str) or not _UTC_ISO.match(raw):
                raise Refused("InvalidIso8601")
            mtimestamp = utc_iso(_utc(raw))
        customer = self.add(store, node, path, machine["_id"], lang.upper(), contact,
                            mtimestamp, body.get("external_meeting_id"))
        return {"message": "Customer is successfully added", "change": "POST_customer",
                "entity": public(customer)}

    def contact(self, store: Doc, body: Doc) -> dict[str, str]:
        """The phone / email / name given, checked against formats and the store's modes."""
        contact = {k: body[k].strip() for k in ("phone", "email", "name")
                   if isinstance(body.get(k), str) and body[k].strip()}
        if (not contact or ("phone" in contact and not _PHONE.match(contact["phone"]))
                or ("email" in contact and not _EMAIL.match(contact["email"]))
                or len(contact.get("name", "")) > 80):
            raise Refused("InvalidContactInformation")
        allowed = {"phone": store["sms"]["activated"], "email": store["email"]["activated"]}
        digital = [k for k in ("phone", "email") if k in contact]
        if any(not allowed[k] for k in digital) or (not digital and not store["undigital"]):
            raise Refused("ContactModeUnavailable")
        for kind, field in (("sms", "phone"), ("email", "email")):
            if self.testing and field in contact:
                if self.fairuse[kind] <= 0:
                    raise Refused("FairUseExceeded")
                self.fairuse[kind] -= 1
        return contact

    def next(self, body: Doc) -> Doc:
        store = STORES.get(body.get("suborganization"))
        if store is None:
            raise Refused("InvalidSuborganization")
        desk = DEVICES.get(body.get("desk"))
        if desk is None or desk["suborganization"] != store["_id"]:
            raise Refused("InvalidDesk")
        if desk["type"] != "desk":
            raise Refused("InvalidDeviceType")
        now = self.clock.now()
        for current in self.customers.values():
            if current["desk"] == desk["_id"] and current["called"] and not current["processed"]:
                minutes = (now - _utc(current["ctimestamp"])).total_seconds() / 60
                current.update(processed=True, ttp=max(1, round(minutes)),
                               utimestamp=utc_iso(now))
        horizon = utc_iso(now + timedelta(minutes=store["tbm"]))
        eligible = [c for c in self.waiting(store["_id"])
                    if (not c["meeting"] or c["mtimestamp"] <= horizon)
                    and desk["_id"] in (NODES[c["prequalification"]]["desks"] or [desk["_id"]])]
        if not eligible:
            return {"message": "No customer to call", "change": "", "entity": None}
        chosen = eligible[0]
        waited = (now - _utc(chosen["stimestamp"])).total_seconds() / 60
        chosen.update(called=True, desk=desk["_id"], ctimestamp=utc_iso(now),
                      utimestamp=utc_iso(now), ttw=max(0, round(waited)))
        self._on_call({"event": "next", "suborganization": store["_id"], "desk": desk["_id"],
                       "customer": chosen["_id"], "ticket": chosen["ticket"]})
        return {"message": "Customer is successfully added", "change": "POST_customer",
                "entity": public(chosen)}

    def update(self, body: Doc) -> Doc:
        customer = self.customers.get(body.get("_id", ""))
        if customer is None:
            raise Refused("InvalidEntity")
        changes = {k: v for k, v in body.items() if k not in ("_id", "_seq")}
        for key, value in changes.items():
            if key.endswith("timestamp"):
                if not isinstance(value, str) or not _UTC_ISO.match(value):
                    raise Refused("InvalidIso8601")
                changes[key] = utc_iso(_utc(value))
            elif key in customer and type(value) is not type(customer[key]):
                raise Refused("InvalidEntity")
        if any(k in changes for k in ("phone", "email", "name")):
            self.contact(STORES[customer["suborganization"]], customer | changes)
        customer.update(changes)
        if customer["meeting"] and "mtimestamp" in changes:
            customer["stimestamp"] = customer["mtimestamp"]
        return {"success": public(customer), "message": "Customer is successfully modified"}

    def delete(self, customer_id: str) -> Doc:
        customer = self.customers.pop(customer_id, None)
        if customer is None:
            raise Refused("InvalidEntity")
        return {"success": public(customer), "message": "Customer is successfully removed"}
