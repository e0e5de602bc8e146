"""`hotline`: the engine, the local PBX, the database and the demo, from one command."""
import argparse
import asyncio
import logging
import sys
import tempfile
from collections.abc import Callable, Coroutine
from datetime import date
from pathlib import Path
from typing import Any

import uvloop
from sqlalchemy import desc, select
from sqlalchemy.exc import DBAPIError

from asterisk.config import render_all
from asterisk.pbx import PbxError, install_root
from models import Call, make_engine, make_sessionmaker, utcnow
from runtime.provision import local_pbx, pbx_layout
from runtime.settings import Settings

log = logging.getLogger("hotline.cli")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hotline", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="run the engine: API, AMI and FastAGI in one process")
    demo_args = sub.add_parser("demo", help="PBX, database with demo data and engine, ready for a "
                               "call")
    demo_args.add_argument("--open-all-hours", action="store_true",
                           help="every branch open at any hour: the agents' path tried at night")
    pbx = sub.add_parser("pbx", help="the local Asterisk for development and tests")
    pbx.add_argument("action", choices=["install", "up", "down", "status", "render"])
    pbx.add_argument("--out", type=Path, help="render: the folder to write the configs into")
    db = sub.add_parser("db", help="database migrations")
    db.add_argument("action", choices=["upgrade", "downgrade", "current"])
    db.add_argument("revision", nargs="?", default=None)
    sub.add_parser("seed-demo", help="insert the demo branches, agents and retailers")
    admin = sub.add_parser("create-admin", help="the first administrator of a new installation",
                           description="The password is asked for twice on a terminal, or read "
                           "as the first line of standard input.")
    admin.add_argument("username")
    api = sub.add_parser(
        "admin", help="an administrative call on the running engine (live, audited)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Fields: name=text, name:=json, name@file (a file upload). The password is "
        "HOTLINE_PASSWORD, or asked for. E.g.:\n"
        "  hotline admin POST /branches code=TJ name=天津分公司\n"
        "  hotline admin PUT /branches/TJ/hours 'hours:={\"mon\": [[\"08:00\", \"18:00\"]]}'\n"
        "  hotline admin POST /business-types code=recycling name_zh=回收 name_en=recycling "
        "menu_key=6\n"
        "  hotline admin PUT /business-types/recycling/prompts/zh file@menu.mp3\n"
        "  hotline admin GET /audit")
    api.add_argument("method", type=str.upper,
                     choices=["GET", "POST", "PUT", "PATCH", "DELETE"])
    api.add_argument("path", help="e.g. /agent-accounts")
    api.add_argument("fields", nargs="*")
    api.add_argument("--user", default="admin", help="who signs in (default: admin)")
    api.add_argument("--url", help="the engine (default: the HTTP settings' host and port)")
    prompts = sub.add_parser("prompts", help="the IVR prompts (Mandarin and English)")
    prompts.add_argument("action", choices=["build"])
    dial = sub.add_parser("call", help="a sipp phone calls the hotline and walks the IVR",
                          description="Steps in order: keys (digits * #), pauses (2s, 500ms), "
                          "'speak' (8 s of speech). E.g.: hotline call 2s 1 2s 110100001#")
    dial.add_argument("steps", nargs="*")
    dial.add_argument("--caller", default="13311112222", help="the caller's number")
    dial.add_argument("--hold", type=float, default=15.0,
                      help="seconds to stay on after the steps, unless the PBX hangs up first")
    calls = sub.add_parser("calls", help="the latest call records")
    calls.add_argument("--limit", type=int, default=20)
    purge = sub.add_parser("purge-recordings", help="remove recordings older than the retention")
    purge.add_argument("--older-than-days", type=int, default=None,
                       help="default: HOTLINE_PBX__RECORDING_RETENTION_DAYS (365)")
    reports = sub.add_parser("reports", help="the reports' interval facts")
    reports.add_argument("action", choices=["rebuild"])
    reports.add_argument("--day", required=True, type=_day,
                         help="the local day (YYYY-MM-DD) to recompute from the raw rows")
    contacts = sub.add_parser("import-contacts",
                              help="add a CSV or XLSX contact list to a campaign",
                              description="Columns: phone (required), name, card, time_zone; any "
                              "other column is shown to the agent. Every row not added is "
                              "written, with its line and reason, to the rejected-rows file.")
    contacts.add_argument("campaign", help="the campaign's id or name")
    contacts.add_argument("file", type=Path)
    contacts.add_argument("--rejected", type=Path,
                          help="where to write the rejected rows (default: FILE.rejected.csv)")
    retailers = sub.add_parser("import-retailers",
                               help="create and update retailers from a CSV or XLSX file",
                               description="Columns: card_number (required), name, branch, "
                               "retailer_class, phones, address, business_format, shop_area, "
                               "trade_area. A known card updates its retailer (empty cells "
                               "leave a field as it is), a new card creates one. Every rejected "
                               "row is written, with its row, field and reason, to the "
                               "rejected-rows file.")
    retailers.add_argument("file", type=Path)
    retailers.add_argument("--rejected", type=Path,
                           help="where to write the rejected rows (default: FILE.rejected.csv)")
    args = parser.parse_args(argv)

    from runtime.logs import setup_logging
    settings = Settings()
    setup_logging(settings.log_level)
    try:
        return run(COMMANDS[args.command](settings, args))
    except KeyboardInterrupt:
        return 130
    except PbxError as exc:
        print(f"hotline: {exc}", file=sys.stderr)
        return 1


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a day (YYYY-MM-DD): {text!r}") from None


def run(main: Coroutine[Any, Any, Any]) -> Any:
    """Runs the engine's event loop: uvloop, whose sockets cost the engine about a tenth less
    CPU a call than asyncio's own loop under inbound load (bench/README.md)."""
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)


async def serve(settings: Settings, _args=None) -> int:
    import uvicorn

    from agent_api.app import create_app, server_config
    await uvicorn.Server(server_config(create_app(settings))).serve()
    return 0


async def layout(settings: Settings) -> dict:
    """The agents' phones and the queues, from the database (none before it is migrated)."""
    db = make_engine(settings.db.url)
    try:
        endpoints, queues = await pbx_layout(make_sessionmaker(db))
    except DBAPIError:
        endpoints, queues = (), ()
    finally:
        await db.dispose()
    return {"endpoints": endpoints, "queues": queues}


async def pbx_command(settings: Settings, args) -> int:
    if args.action == "install":
        await asyncio.to_thread(install_root, settings.pbx.root, settings.pbx.mirror)
        print(f"PBX root ready at {settings.pbx.root}")
    elif args.action == "up":
        await local_pbx(settings, **await layout(settings), die_with_parent=False).up()
        print(f"PBX up: SIP 127.0.0.1:{settings.pbx.sip_port}, AMI 127.0.0.1:{settings.ami.port}")
    elif args.action == "render":
        out = args.out or settings.pbx.run_dir / "etc"
        out.mkdir(parents=True, exist_ok=True)
        found = await layout(settings)
        for name, text in render_all(settings.pbx, settings.ami, settings.agi, found["endpoints"],
                                     found["queues"]).items():
            (out / name).write_text(text)
        print(f"Asterisk configuration written to {out}")
    elif args.action == "down":
        await local_pbx(settings).down()
        print("PBX down")
    else:
        for key, value in local_pbx(settings).status().items():
            print(f"{key}: {value}")
    return 0


async def db_command(settings: Settings, args) -> int:
    from migrations import runner
    if args.action == "upgrade":
        await runner.upgrade(settings.db.url, args.revision or "head")
    elif args.action == "downgrade":
        await runner.downgrade(settings.db.url, args.revision or "-1")
    print(f"database at revision {await runner.current(settings.db.url)}")
    return 0


async def build_prompts_command(settings: Settings, _args=None) -> int:
    from ivr.speech import build_prompts
    counts = await asyncio.to_thread(build_prompts, settings.ivr.prompts_dir,
                                     settings.ivr.custom_prompts_dir)
    print(f"prompts in {settings.ivr.prompts_dir}: {counts}")
    return 0


async def seed_demo(settings: Settings, _args=None) -> int:
    from services.demo import seed
    db = make_engine(settings.db.url)
    try:
        added = await seed(make_sessionmaker(db))
    finally:
        await db.dispose()
    print("demo data added" if added else "demo data already present")
    return 0


def read_password() -> str:
    import getpass
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    password = getpass.getpass("password: ")
    if getpass.getpass("again: ") != password:
        raise SystemExit("hotline: the two passwords differ")
    return password


async def create_admin(settings: Settings, args) -> int:
    from models import Role
    from services import users
    from services.errors import DomainError
    db = make_engine(settings.db.url)
    try:
        async with make_sessionmaker(db)() as session:
            await users.create(session, None, users.NewUser(args.username, read_password(),
                                                            Role.ADMIN))
    except DomainError as exc:
        problems = exc.detail if isinstance(exc.detail, str) else "; ".join(
            d["msg"] for d in exc.detail)
        print(f"hotline: no administrator created: {problems}", file=sys.stderr)
        return 1
    finally:
        await db.dispose()
    print(f"administrator {args.username} created: sign in at /admin")
    return 0


async def demo(settings: Settings, args) -> int:
    from migrations import runner
    from services.demo import DEMO_PASSWORD, DEMO_PIN, RETAILERS, opening_now, sip_accounts
    settings.ivr.open_around_the_clock = args.open_all_hours
    await asyncio.to_thread(install_root, settings.pbx.root, settings.pbx.mirror)
    await runner.upgrade(settings.db.url)
    await seed_demo(settings)
    await build_prompts_command(settings)
    pbx = local_pbx(settings, **await layout(settings))
    await pbx.down()  # a PBX left over from an interrupted demo
    await pbx.up()
    http = f"http://{settings.http.host}:{settings.http.port}"
    db = make_engine(settings.db.url)
    try:
        opening = await opening_now(make_sessionmaker(db), args.open_all_hours)
        accounts = "\n               ".join(
            f"{name} {secret}" for name, secret in await sip_accounts(make_sessionmaker(db)))
    finally:
        await db.dispose()
    branches = "\n               ".join(opening)
    closed = "" if not any(" closed " in line for line in opening) else (
        "\n               closed: calls go to voicemail; to reach an agent at any hour, run"
        "\n               hotline demo --open-all-hours")
    print(f"""
hotline is ready.
  API          {http}   (docs {http}/docs, health {http}/health)
  pages        {http}/console (agents: sign in as 8001 .. 8005), {http}/ops (campaigns),
               {http}/wallboard (on a wall: {http}/wallboard?tv=1), {http}/supervisor,
               {http}/admin (the call center's settings, audit log)
  branches     {branches}{closed}
  hotline      sip:{settings.pbx.hotline_number}@127.0.0.1:{settings.pbx.sip_port}
  agents       PJSIP accounts (user password), PIN {DEMO_PIN}; log in from the phone
               with {settings.pbx.agent_login_code}:
               {accounts}
  API users    8001 .. 8005 (agents), supervisor, ops, admin: password {DEMO_PASSWORD}
  retailers    cards {', '.join(r[0] for r in RETAILERS[:3])} ... (PIN {DEMO_PIN})
  try a call   hotline call 2s 1 2s 110100001#   (order, Beijing card: to queue BJ-order)
               hotline call 2s 5 2s 110100001# 2s 1234# 20s   (self-service: hear the orders)
  call records hotline calls
Stop with Ctrl-C.
""", flush=True)
    try:
        await serve(settings)
    finally:
        await pbx.down()
    return 0


async def place_call(settings: Settings, args) -> int:
    from asterisk.sipp_phone import parse_script, write_scenario
    try:
        script = parse_script(args.steps)
    except ValueError as exc:
        print(f"hotline call: {exc}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="hotline-call-") as folder:
        scenario = write_scenario(Path(folder), script, int(args.hold * 1000))
        proc = await asyncio.create_subprocess_exec(
            "sipp", "-sf", str(scenario), "-s", settings.pbx.hotline_number, "-key", "caller",
            args.caller, f"127.0.0.1:{settings.pbx.sip_port}", "-i", "127.0.0.1",
            "-m", "1", "-nostdin", "-timeout", "600s", "-timeout_error", cwd=folder,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        _, err = await proc.communicate()
    if proc.returncode != 0:
        print(f"the call failed: {err.decode(errors='replace')[-400:]}", file=sys.stderr)
        return 1
    await asyncio.sleep(0.5)  # the call log writes in batches
    args.limit = 1
    return await list_calls(settings, args)


async def list_calls(settings: Settings, args) -> int:
    db = make_engine(settings.db.url)
    try:
        async with make_sessionmaker(db)() as session:
            rows = await session.scalars(select(Call).order_by(desc(Call.offered_at))
                                         .limit(args.limit))
            for c in rows:
                print(f"{c.offered_at:%Y-%m-%d %H:%M:%S} {c.direction:8} {c.caller_number:>14} "
                      f"-> {c.dialed_number:6} {c.outcome:11} step={c.last_step or '-'} "
                      f"answered={c.answered_at and f'{c.answered_at:%H:%M:%S}'} "
                      f"ended={c.ended_at and f'{c.ended_at:%H:%M:%S}'} queue={c.queue or '-'} "
                      f"card={c.card_number or '-'}")
    finally:
        await db.dispose()
    return 0


async def purge_recordings(settings: Settings, args) -> int:
    from services.recording_store import purge
    days = args.older_than_days or settings.pbx.recording_retention_days
    if days < 1:
        print("hotline: --older-than-days must be at least 1", file=sys.stderr)
        return 2
    db = make_engine(settings.db.url)
    try:
        removed = await purge(make_sessionmaker(db), settings.recordings_dir, days)
    finally:
        await db.dispose()
    for rec in removed:
        print(f"purged {rec.file or '-'} (call {rec.linkedid}, {rec.started_at:%Y-%m-%d})")
    print(f"{len(removed)} recordings older than {days} days purged")
    return 0


async def reports_command(settings: Settings, args) -> int:
    from services.reports.rollup import rebuild_day
    db = make_engine(settings.db.url)
    try:
        async with make_sessionmaker(db)() as session:
            start, end = await rebuild_day(session, args.day, utcnow())
    finally:
        await db.dispose()
    print(f"reports rebuilt for {args.day}: {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC")
    return 0


async def import_contacts_command(settings: Settings, args) -> int:
    from services.contact_import import import_file
    db = make_engine(settings.db.url)
    try:
        return await import_file(make_sessionmaker(db), args.campaign, args.file, args.rejected,
                                 settings.imports.contacts)
    finally:
        await db.dispose()


async def import_retailers_command(settings: Settings, args) -> int:
    from services import retailer_import
    from services.errors import DomainError
    from services.sheet_files import refusal_text
    db = make_engine(settings.db.url)
    try:
        async with make_sessionmaker(db)() as session:
            with args.file.open("rb") as file:
                report = await retailer_import.import_file(session, None, args.file.name, file,
                                                           settings.imports.retailers)
    except (OSError, DomainError) as exc:
        print(f"hotline: nothing imported: {refusal_text(exc)}", file=sys.stderr)
        return 2
    finally:
        await db.dispose()
    rejected = sorted({r.row for r in report.rejected})
    print(f"{report.rows} rows: {report.created} created, {report.updated} updated, "
          f"{report.unchanged} unchanged, {len(rejected)} rejected")
    if report.rejected:
        path = args.rejected or args.file.with_name(args.file.name + ".rejected.csv")
        retailer_import.write_rejected(report, path)
        print(f"rejected rows and why: {path}")
    return 0


async def admin_call(settings: Settings, args) -> int:
    from cli.api_client import admin
    url = args.url or f"http://{settings.http.host}:{settings.http.port}"
    return await asyncio.to_thread(admin, url, args.user, args.method, args.path, args.fields)


COMMANDS: dict[str, Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, int]]] = {
    "serve": serve, "demo": demo, "pbx": pbx_command, "db": db_command,
    "seed-demo": seed_demo, "create-admin": create_admin, "calls": list_calls,
    "prompts": build_prompts_command, "admin": admin_call,
    "call": place_call, "purge-recordings": purge_recordings,
    "reports": reports_command, "import-contacts": import_contacts_command,
    "import-retailers": import_retailers_command}

if __name__ == "__main__":
    sys.exit(main())
