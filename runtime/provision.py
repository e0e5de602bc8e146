"""What the PBX needs to know from the database: the agents' phones and the queues."""
import asyncio
import secrets
from collections.abc import Mapping
from typing import cast

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.queues import NOT_QUEUED, queue_name
from asterisk import dialplan as dp
from asterisk.actions import Pbx, ReloadModule
from asterisk.config import QueueSpec, SipEndpoint
from asterisk.pbx import LocalPbx
from ivr.prompts import PBX_SOUNDS
from ivr.speech import pbx_sounds_dir
from models import Agent, Branch, BusinessType, User
from runtime.settings import Settings


async def pbx_layout(
    sessions: async_sessionmaker[AsyncSession], static_contacts: Mapping[str, str] | None = None,
) -> tuple[tuple[SipEndpoint, ...], tuple[QueueSpec, ...]]:
    """Agents' and supervisors' phones, each with its SIP secret (one without a secret has no
    account); one queue per (branch, business type). Callers wait there; the engine delivers
    them to agents' sessions, so the queues have no static members (they would ring session
    phones). A static contact not in the database is a trunk the PBX calls out through: its
    password is random, known to nobody, so nothing can call in or register as it."""
    contacts = dict(static_contacts or {})
    async with sessions() as s:
        agents = list(await s.execute(select(Agent.sip_endpoint, Agent.sip_secret)
                                      .where(Agent.active).order_by(Agent.number)))
        branches = list(await s.scalars(select(Branch).order_by(Branch.code)))
        types = list(await s.scalars(select(BusinessType).order_by(BusinessType.sort_order)))
        phones = list(await s.execute(select(User.sip_endpoint, User.sip_secret).where(
            User.active, User.sip_endpoint.is_not(None)).order_by(User.sip_endpoint)))
    accounts = [(cast(str, name), secret) for name, secret in [*agents, *phones]]
    endpoints = tuple(SipEndpoint(name, secret, contact=contacts.get(name))
                      for name, secret in accounts if secret)
    named = {name for name, _ in accounts}
    endpoints += tuple(SipEndpoint(n, secrets.token_urlsafe(18), contact=c, context=dp.CTX_INBOUND)
                       for n, c in contacts.items() if n not in named)
    queues = tuple(QueueSpec(queue_name(b.code, bt.code))
                   for b in branches for bt in types if bt.code not in NOT_QUEUED)
    return endpoints, queues


async def refresh_pbx(settings: Settings, sessions: async_sessionmaker[AsyncSession],
                      pbx: Pbx) -> None:
    """The phones' accounts and the queues rendered anew from the database, the business types'
    own prompts shown to the PBX, and its SIP stack and queues reloaded: a new agent's phone
    registers at once, a new menu key's queue exists for the next call, and calls in progress
    (waiting or connected) stay up."""
    endpoints, queues = await pbx_layout(sessions, settings.pbx.static_contacts)
    local = local_pbx(settings, endpoints, queues)
    await asyncio.to_thread(local.write_live_config)
    await asyncio.to_thread(local.show_media, "prompts", settings.menu_prompts_dir)
    for module in ("res_pjsip.so", "app_queue.so"):
        await pbx.perform(ReloadModule(module))


def local_pbx(settings: Settings, endpoints: tuple[SipEndpoint, ...] = (),
              queues: tuple[QueueSpec, ...] = (), die_with_parent: bool = True,
              kind: type[LocalPbx] = LocalPbx) -> LocalPbx:
    """`kind`: a LocalPbx that adds to the configuration (a benchmark's)."""
    prompts = settings.ivr.prompts_dir
    return kind(settings.pbx, settings.ami, settings.agi, endpoints=endpoints, queues=queues,
                    media={"prompts": (prompts, settings.menu_prompts_dir)},
                    sounds={lang: pbx_sounds_dir(prompts, lang) for lang in PBX_SOUNDS},
                    die_with_parent=die_with_parent)
