"""What the PBX needs to know from the database: the agents' phones and the queues."""
from typing import cast

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.queues import NOT_QUEUED, queue_name
from asterisk.config import QueueSpec, SipEndpoint
from asterisk.pbx import LocalPbx
from ivr.prompts import PBX_SOUNDS
from ivr.speech import pbx_sounds_dir
from models import Agent, Branch, BusinessType, User
from runtime.settings import Settings


async def pbx_layout(
    sessions: async_sessionmaker[AsyncSession],
) -> tuple[tuple[SipEndpoint, ...], tuple[QueueSpec, ...]]:
    """Agents' and supervisors' phones; one queue per (branch, business type). Callers wait
    there; the engine delivers them to agents' sessions, so the queues have no static members
    (they would ring session phones)."""
    async with sessions() as s:
        agents = list(await s.scalars(select(Agent).where(Agent.active).order_by(Agent.number)))
        branches = list(await s.scalars(select(Branch).order_by(Branch.code)))
        types = list(await s.scalars(select(BusinessType).order_by(BusinessType.sort_order)))
        phones = cast(list[str], list(await s.scalars(select(User.sip_endpoint).where(  # not NULL
            User.active, User.sip_endpoint.is_not(None)).order_by(User.sip_endpoint))))
    endpoints = tuple(SipEndpoint(name=name) for name in
                      [a.sip_endpoint for a in agents] + phones)
    queues = tuple(QueueSpec(queue_name(b.code, bt.code))
                   for b in branches for bt in types if bt.code not in NOT_QUEUED)
    return endpoints, queues


def local_pbx(settings: Settings, endpoints: tuple[SipEndpoint, ...] = (),
              queues: tuple[QueueSpec, ...] = (), die_with_parent: bool = True) -> LocalPbx:
    prompts = settings.ivr.prompts_dir
    return LocalPbx(settings.pbx, settings.ami, settings.agi, endpoints=endpoints, queues=queues,
                    media={"prompts": prompts},
                    sounds={lang: pbx_sounds_dir(prompts, lang) for lang in PBX_SOUNDS},
                    die_with_parent=die_with_parent)
