"""sendDocument over multipart: bytes, file name, MIME type and caption survive the trip."""

from __future__ import annotations

import io

from telegram import InputFile

from bot.fake_telegram import FakeTelegram


async def test_ptb_multipart_upload_keeps_everything(fake: FakeTelegram, ptb_bot) -> None:
    ada = fake.user(6001)
    payload = bytes(range(256)) * 4
    message = await ptb_bot.send_document(
        ada.id, document=InputFile(io.BytesIO(payload), filename="blob.bin"),
        caption="<i>binary</i> file", parse_mode="HTML")
    assert message.document.file_name == "blob.bin"
    assert message.document.file_size == len(payload)
    received = await ada.wait_document(timeout=1)
    assert received.document is not None
    assert received.document.data == payload
    assert received.document.file_name == "blob.bin"
    assert received.document.mime_type == "application/octet-stream"
    assert received.text == "binary file"
    assert received.entities == [{"type": "italic", "offset": 0, "length": 6}]
    assert fake.calls["sendDocument"] == 1


async def test_non_ascii_file_name_and_download(fake: FakeTelegram, ptb_bot) -> None:
    ada = fake.user(6002)
    message = await ptb_bot.send_document(ada.id, document=b"%PDF-1.4 fake",
                                          filename='счёт "май".pdf')
    received = await ada.wait_document(timeout=1)
    assert received.document is not None
    assert received.document.file_name == 'счёт "май".pdf'
    assert received.document.mime_type == "application/pdf"
    telegram_file = await ptb_bot.get_file(message.document.file_id)
    assert bytes(await telegram_file.download_as_bytearray()) == b"%PDF-1.4 fake"


async def test_resend_by_file_id_and_unknown_file_id(fake: FakeTelegram, api) -> None:
    ada, bob = fake.user(6003), fake.user(6004, first_name="Bob")
    response = await api.client.post(
        f"/bot{api.token}/sendDocument", data={"chat_id": str(ada.id), "caption": "plan"},
        files={"document": ("plan.txt", b"step 1\r\n--boundary-ish\r\nstep 2", "text/plain")})
    document = response.json()["result"]["document"]
    resent = await api.ok("sendDocument", chat_id=bob.id, document=document["file_id"])
    assert resent["document"]["file_id"] == document["file_id"]
    assert (await bob.wait_document(timeout=1)).document.data == (  # type: ignore[union-attr]
        b"step 1\r\n--boundary-ish\r\nstep 2")
    unknown = await api.error("sendDocument", chat_id=bob.id, document="nope")
    assert unknown.description == "Bad Request: wrong file identifier/HTTP URL specified"
    missing = await api.error("sendDocument", chat_id=bob.id)
    assert missing.description == "Bad Request: there is no document in the request"


async def test_location_and_contact_from_the_bot(fake: FakeTelegram, ptb_bot) -> None:
    ada = fake.user(6005)
    await ptb_bot.send_location(ada.id, latitude=52.52, longitude=13.405)
    await ptb_bot.send_contact(ada.id, phone_number="+4930123", first_name="Front desk")
    location = await ada.wait_message(timeout=1)
    contact = await ada.wait_message(timeout=1)
    assert location.location == {"latitude": 52.52, "longitude": 13.405}
    assert contact.contact == {"phone_number": "+4930123", "first_name": "Front desk"}
