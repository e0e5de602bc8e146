"""Reads back from the PBX what the ACD needs after a restart or a lost link: who is in each
agent's bridge (ConfbridgeList) and who waits in the queues (QueueStatus)."""
import logging
from collections.abc import Mapping

from acd.desk import BridgeMember, QueueEntry
from asterisk import dialplan as dp
from asterisk.ami import AmiActionFailed, AmiClient
from asterisk.events import Channel, channel_from

log = logging.getLogger("hotline.acd.resync")


async def bridge_members(ami: AmiClient) -> list[BridgeMember]:
    try:
        rooms = await ami.action_list("ConfbridgeListRooms", timeout=10)
    except AmiActionFailed:  # "No active conferences."
        return []
    members = []
    for room in rooms.events:
        name = room.fields.get("Conference", "")
        agent = name.removeprefix(dp.AGENT_BRIDGE_PREFIX)
        if name == agent or not agent.isdigit():
            continue
        try:
            listed = await ami.action_list("ConfbridgeList", {"Conference": name}, timeout=10)
        except AmiActionFailed:  # emptied since
            continue
        members += [BridgeMember(int(agent), channel_from(m.fields),
                                 m.fields.get("MarkedUser") == "Yes") for m in listed.events
                    if m.fields.get("Context") != dp.CTX_MONITOR]  # a supervisor barging in
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
