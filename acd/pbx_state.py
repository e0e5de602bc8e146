"""Reads back from the PBX what the ACD needs after a restart or a lost link: the agents' legs
and their callers (from the PBX's channels) and who waits in the queues (QueueStatus)."""
import logging
from collections.abc import Iterable, Mapping

from acd.desk import QueueEntry, SessionMember
from asterisk import dialplan as dp
from asterisk.ami import AmiClient
from asterisk.events import Channel, channel_from

log = logging.getLogger("hotline.acd.resync")
UP = "6"  # ChannelState


def session_members(channels: Iterable[Mapping[str, str]]) -> list[SessionMember]:
    """`channels`: the fields of each CoreShowChannel. An agent's leg is in its session context
    (waiting, or in the agent's bridge), a caller being connected or connected to the agent is
    in the connect context; both have the agent's id as their extension."""
    members = []
    for fields in channels:
        context, agent = fields.get("Context"), fields.get("Exten", "")
        if not agent.isdigit():
            continue
        if context == dp.CTX_SESSION and fields.get("ChannelState") == UP:  # not still ringing
            members.append(SessionMember(int(agent), channel_from(fields), True))
        elif context in (dp.CTX_CONNECT, dp.CTX_CONNECT_RECORDED):
            members.append(SessionMember(int(agent), channel_from(fields), False))
    return members


async def queue_entries(ami: AmiClient, live: Mapping[str, Channel]) -> list[QueueEntry]:
    """`live`: the channels of CoreShowChannels by uniqueid (QueueEntry has no linkedid)."""
    reply = await ami.action_list("QueueStatus", timeout=10)
    entries = []
    for m in reply.events:
        f = m.fields
        if f.get("Event") != "QueueEntry":
            continue
        wait = f.get("Wait", "0")
        entries.append(QueueEntry(live.get(f.get("Uniqueid", "")) or channel_from(f),
                                  f.get("Queue", ""), float(wait) if wait.isdigit() else 0.0))
    return entries
