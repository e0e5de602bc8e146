"""Uploaded lists within stated limits (issue 24): a file beyond a limit or unreadable is refused
as a whole naming its rule and limit (never a 500, nothing half-saved), and the engine answers
other requests while a long file is read; on SQLite and PostgreSQL."""
import asyncio
import io
import threading
import zipfile

import pytest

from dialer import contacts
from dialer.sheets import Limits
from tests.db.conftest import login
from tests.db.test_api_campaigns import create
from tests.db.test_api_retailers_admin import FILE_HEADER, FILE_ROWS, counts, csv_file, upload

pytestmark = pytest.mark.db

GOOD = [f"1331111{i:04d},Shop {i}" for i in range(1000)]


async def send(api, headers, campaign: dict, name: str, data: bytes):
    return await api.post(f"/campaigns/{campaign['id']}/contacts", headers=headers,
                          files={"file": (name, data, "application/octet-stream")})


def refusal(reply, status: int = 422) -> dict:
    assert reply.status_code == status, reply.text
    [said] = reply.json()["detail"]
    assert said["loc"] == ["body", "file"]
    return said


async def contacts_of(api, headers, campaign: dict) -> int:
    reply = await api.get(f"/campaigns/{campaign['id']}", headers=headers)
    return reply.json()["progress"]["contacts"]


async def test_a_200_kb_cell_after_1000_good_rows_adds_nothing_and_names_the_limit(api):
    ops = await login(api, "ops")
    c = await create(api, ops)
    data = "\n".join(["phone,name", *GOOD, "13322220000," + "x" * 200_000]).encode()
    said = refusal(await send(api, ops, c, "list.csv", data))
    assert (said["type"], said["ctx"]) == ("rule.field_too_long", {"limit": 1000, "line": 1002})
    assert await contacts_of(api, ops, c) == 0
    fits = await send(api, ops, c, "list.csv", "\n".join(["phone,name", *GOOD]).encode())
    assert (fits.status_code, fits.json()["added"]) == (200, 1000)


async def test_every_limit_and_unreadable_file_is_a_refusal_naming_it(api):
    ops = await login(api, "ops")
    c = await create(api, ops)
    settings = api._transport.app.state.settings
    good = "\n".join(["phone,name", *GOOD]).encode()
    for limits, data, status, rule, ctx in (
            (Limits(max_bytes=1000), good, 413, "file_too_large", {"limit": 1000}),
            (Limits(max_rows=999), good, 422, "too_many_rows", {"limit": 999}),
            (Limits(max_columns=2), good + b"\n13322220000,a,b\n", 422, "too_many_columns",
             {"limit": 2, "line": 1002}),
            (Limits(max_rejected=2), good + b"\nx\ny\nz\n", 422, "too_many_rejected",
             {"limit": 2})):
        settings.imports.contacts = limits
        said = refusal(await send(api, ops, c, "list.csv", data), status)
        assert (said["type"], said.get("ctx")) == (f"rule.{rule}", ctx), rule
    settings.imports.contacts = Limits(max_unpacked_bytes=1 << 20)
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (2 << 20))  # a few kB packed
    for name, data, rule in (("list.xlsx", bomb.getvalue(), "unpacks_too_large"),
                             ("list.xlsx", b"PK\x03\x04 not a zip", "not_xlsx"),
                             ("list.csv", b"\x89PNG\r\n\x1a\n\xff\xfe\x00", "file_encoding"),
                             ("list.csv", b"phone\n1331\x001110001\n", "unreadable_file"),
                             ("list.csv", b"", "empty_file"),
                             ("list.doc", good, "file_type"),
                             ("list.csv", b"name\nShop\n", "no_phone_column")):
        assert refusal(await send(api, ops, c, name, data))["type"] == f"rule.{rule}", rule
    assert await contacts_of(api, ops, c) == 0


async def test_a_retailers_file_beyond_a_limit_changes_nothing(api, sessions):
    admin = await login(api, "admin")
    before = await counts(sessions)
    rows = [FILE_HEADER, *FILE_ROWS]
    long_cell = [[*rows[1][:1], "店" * 2000, *rows[1][2:]]]
    said = refusal(await upload(api, admin, "retailers.csv", csv_file(rows + long_cell)))
    assert (said["type"], said["ctx"]) == ("rule.field_too_long", {"limit": 1000,
                                                                   "line": len(rows) + 1})
    assert await counts(sessions) == before


async def test_the_engine_answers_while_a_long_list_is_read(api, monkeypatch):
    """The list's reader is held at its first batch: /health is answered meanwhile, so the file
    is read off the event loop (read on it, the held reader would stop the engine, and the reader
    would only go on when its hold timed out)."""
    ops = await login(api, "ops")
    c = await create(api, ops)
    reading, release = threading.Event(), threading.Event()
    held_to_the_end = []
    read_batch = contacts._checked

    def held(rows):
        if not reading.is_set():
            reading.set()
            held_to_the_end.append(not release.wait(timeout=60))
        return read_batch(rows)

    monkeypatch.setattr(contacts, "_checked", held)
    data = b"phone,name\n" + b"\n" * 600_000 + b"13311110001,the only row\n"
    sending = asyncio.ensure_future(send(api, ops, c, "list.csv", data))
    try:
        await asyncio.get_running_loop().run_in_executor(None, reading.wait, 60)
        assert reading.is_set(), "the import never began reading"
        health = await api.get("/health")
        assert health.json()["database"] == "ok"
    finally:
        release.set()
    reply = await sending
    assert held_to_the_end == [False], "/health waited for the file to be read"
    assert (reply.status_code, reply.json()["rows"], reply.json()["added"]) == (200, 1, 1)
