"""Typed callback data: every payload round-trips, nothing else decodes, nothing raises."""

from __future__ import annotations

import random
from datetime import date

import pytest
from pydantic import field_validator

from bot.ui import callbacks as cb
from bot.ui.callbacks import MAX_BYTES, CallbackData, CallbackDataError

FLOW = "a1b2c3"
KEY = "0123456789abcdef"
BIG = 2**63 - 1  # the largest SQLite INTEGER

SAMPLES: list[CallbackData] = [
    cb.BusinessPick(flow=FLOW, index=0),
    cb.SitePick(flow=FLOW, index=999),
    cb.SitesPage(flow=FLOW, page=3),
    cb.ServicePick(flow=FLOW, index=12),
    cb.DayPick(flow=FLOW, day=date(2026, 12, 31)),
    cb.SlotPick(flow=FLOW, index=7),
    cb.UseKnownDetail(flow=FLOW),
    cb.BookingBack(flow=FLOW),
    cb.BookingQuit(flow=FLOW),
    cb.BookingChange(flow=FLOW),
    cb.SlotWatchStart(flow=FLOW),
    cb.SlotWatchStop(watch=BIG),
    cb.SlotWatchBook(watch=BIG, at=10**9),
    cb.ConfirmBooking(key=KEY),
    cb.ConfirmMove(booking=BIG, key=KEY),
    cb.CancelBooking(booking=BIG),
    cb.CancelBookingYes(booking=1),
    cb.KeepBooking(),
    cb.MoveBooking(booking=42),
    cb.SetLanguage(code="de"),
    cb.QueueBusinessPick(flow=FLOW, index=1),
    cb.QueueSitePick(flow=FLOW, index=2),
    cb.QueueChoicePick(flow=FLOW, index=3),
    cb.QueueAppointmentPick(flow=FLOW, index=4),
    cb.UseContact(flow=FLOW, mode="email"),
    cb.QueueBack(flow=FLOW),
    cb.QueueQuit(flow=FLOW),
    cb.TicketRefresh(ticket=BIG),
    cb.TicketLeave(ticket=5),
    cb.TicketLeaveYes(ticket=5),
    cb.TicketStay(ticket=5),
    cb.StaffVendor(index=0),
    cb.StaffSite(index=1),
    cb.StaffDesk(index=2),
    cb.StaffCallNext(),
    cb.StaffChangeDesk(),
    cb.LinkKeep(vendor="faces"),
    cb.LinkUndo(vendor="faces"),
    cb.CompaniesPage(page=2),
    cb.RoomBuilding(flow=FLOW, index=1),
    cb.RoomNow(flow=FLOW),
    cb.RoomSize(flow=FLOW, index=5),
    cb.RoomWatch(flow=FLOW, index=0),
    cb.QrPlace(index=9999),
    cb.QrPage(page=1),
    cb.BroadcastAudience(kind="store"),
    cb.BroadcastPlace(index=9),
    cb.BroadcastSend(mode="paid"),
    cb.BroadcastCancel(),
    cb.BroadcastControl(action="resume", broadcast=2**63 - 1),
    cb.ForgetOpen(),
    cb.ForgetCancelFirst(user=2**63 - 1, flow=FLOW),
    cb.ForgetYes(user=1, flow=FLOW),
    cb.ForgetNo(user=864209753, flow=FLOW),
]


def test_every_kind_of_the_bot_has_a_sample() -> None:
    ours = {p for p, kind in CallbackData.kinds().items() if kind.__module__ == cb.__name__}
    assert ours == {sample.prefix for sample in SAMPLES}


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: type(s).__name__)
def test_each_payload_round_trips_within_64_bytes(sample: CallbackData) -> None:
    data = sample.encode()
    assert len(data.encode()) <= MAX_BYTES
    assert CallbackData.decode(data) == sample
    assert type(sample).decode(data) == sample
    assert type(sample).pattern()(data) is True


def test_long_lived_buttons_keep_the_format_already_in_chats() -> None:
    assert cb.CancelBooking(booking=12).encode() == "my:cancel:12"
    assert cb.CancelBookingYes(booking=12).encode() == "my:cancel!:12"
    assert cb.MoveBooking(booking=12).encode() == "my:move:12"
    assert cb.KeepBooking().encode() == "my:keep"
    assert cb.TicketRefresh(ticket=3).encode() == "tk:refresh:3"
    assert cb.TicketLeaveYes(ticket=3).encode() == "tk:leave!:3"
    assert cb.SetLanguage(code="fr").encode() == "lang:fr"
    assert cb.ConfirmBooking(key=KEY).encode() == f"bk:ok:{KEY}"


@pytest.mark.parametrize("data", [
    None, 42, "", ":", "::", "bk", "bk:", "unknown", "zz:slot:a1b2c3:1",
    "my:cancel:" + "9" * 54,            # the 54-digit id that overflowed SQLite
    f"my:cancel:{2**63}",               # one past the largest row id
    "my:cancel:0", "my:cancel:-1", "my:cancel:+1", "my:cancel: 1", "my:cancel:1_0",
    "my:cancel:007", "my:cancel:1.0", "my:cancel:", "my:cancel", "my:cancel:1:2",
    "my:keep:", "my:keep:1", "lang:", "lang:xx", "lang:EN", "lang:en:en",
    "bk:slot:a1b2c3", "bk:slot:a1b2c3:1000", "bk:slot:A1B2C3:1", "bk:slot:a1b2c:1",
    "bk:slot::1", "bk:slot:a1b2c3:x", "bk:day:a1b2c3:2026-13-01", "bk:day:a1b2c3:20261201",
    "bk:day:a1b2c3:1700000000", "bk:ok:short", f"bk:ok:{KEY.upper()}", f"bk:ok:{KEY}:",
    f"bk:mv:{KEY}", "q:use:a1b2c3:fax", "st:v:", "tk:refresh:1:" + "0" * 60,
    "ac:keep:", "ac:undo:Faces", "ac:undo:faces:x", "co:page:-1",
    "bk:back:a1b2c3\n", "bk:back:a1b2c3 ", "x" * 65,
])
def test_anything_else_decodes_to_none(data: object) -> None:
    assert CallbackData.decode(data) is None


def test_a_kind_decodes_only_its_own_payloads() -> None:
    data = cb.SitePick(flow=FLOW, index=1).encode()
    assert cb.SlotPick.decode(data) is None
    assert cb.SlotPick.pattern()(data) is False
    assert cb.BookingButton.decode(data) == cb.SitePick(flow=FLOW, index=1)
    assert cb.QueueButton.decode(data) is None
    assert cb.FlowButton.decode(cb.QueueBack(flow=FLOW).encode()) == cb.QueueBack(flow=FLOW)
    assert cb.FlowButton.decode(cb.CancelBooking(booking=1).encode()) is None


def test_ranges_are_enforced_when_building_too() -> None:
    with pytest.raises(ValueError):
        cb.SlotPick(flow=FLOW, index=1000)
    with pytest.raises(ValueError):
        cb.CancelBooking(booking=0)
    with pytest.raises(ValueError):
        cb.SetLanguage(code="xx")
    with pytest.raises(ValueError):
        cb.ConfirmBooking(key="not-hex")


class _Note(CallbackData, prefix="test-cb:note"):
    text: str


def test_encoding_refuses_more_than_64_bytes_and_separators() -> None:
    assert _Note(text="x" * (MAX_BYTES - len("test-cb:note:"))).encode()
    with pytest.raises(CallbackDataError):
        _Note(text="x" * (MAX_BYTES - len("test-cb:note:") + 1)).encode()
    with pytest.raises(CallbackDataError):
        _Note(text="é" * 26).encode()  # 52 bytes of text: the limit counts bytes
    with pytest.raises(CallbackDataError):
        _Note(text="a:b").encode()
    with pytest.raises(CallbackDataError):
        _Note(text="").encode()


def test_prefixes_are_unique_and_never_the_start_of_another() -> None:
    for prefix in ("bk:slot", "bk", "bk:slot:more", "my:cancel"):
        with pytest.raises(TypeError, match="clashes"):
            type("Clash", (CallbackData,), {"__module__": __name__}, prefix=prefix)
    assert "bk" not in CallbackData.kinds()


def test_mutated_payloads_never_raise_and_decode_only_to_canonical_text() -> None:
    rng = random.Random(9)
    alphabet = "0123456789abcdef:!-_ xé\x00"
    for _ in range(3000):
        data = list(rng.choice(SAMPLES).encode())
        for _ in range(rng.randint(1, 3)):
            where = rng.randrange(len(data) + 1)
            action = rng.randrange(3)
            if action == 0:
                data.insert(where, rng.choice(alphabet))
            elif action == 1 and where < len(data):
                del data[where]
            elif where < len(data):
                data[where] = rng.choice(alphabet)
        text = "".join(data)
        decoded = CallbackData.decode(text)
        assert decoded is None or decoded.encode() == text


def test_payloads_are_immutable_and_equal_by_kind_and_values() -> None:
    day = cb.DayPick(flow=FLOW, day=date(2026, 5, 4))
    with pytest.raises(AttributeError):
        day.flow = "ffffff"  # type: ignore[misc]
    assert day == cb.DayPick(flow=FLOW, day="2026-05-04") and len({day, cb.DayPick.decode(day.encode())}) == 1
    assert cb.SlotPick(flow=FLOW, index=1) != cb.SitePick(flow=FLOW, index=1)  # same values, other kind
    assert repr(day) == "DayPick(flow='a1b2c3', day=datetime.date(2026, 5, 4))"


def test_a_check_in_a_validator_method_is_refused_not_silently_skipped() -> None:
    with pytest.raises(TypeError, match="AfterValidator"):
        class _Checked(CallbackData, prefix="test-cb:checked"):
            text: str

            @field_validator("text")
            @classmethod
            def _short(cls, value: str) -> str:
                return value
    assert "test-cb:checked" not in CallbackData.kinds()
