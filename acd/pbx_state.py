"""Reads back from the PBX what the ACD needs after a restart or a lost link: the agents' legs
and the callers bridged to them (from the PBX's channel list) and who waits in the queues
(QueueStatus)."""
import logging
from collections.abc import Iterable, Mapping

from acd.desk import BridgeMember, QueueEntry
from acd.tracker import STATE_UP
from asterisk import dialplan as dp
from asterisk.actions import QueuedCaller
from asterisk.events import Channel

log = logging.getLogger("hotline.acd.resync")


def session_members(live: Iterable[Channel]) -> list[BridgeMember]:
    """An agent's leg is in the session context (waiting, or bridged to a caller) once its
    phone answered; a caller being connected or connected to the agent is in a connect
    context. Both have the agent's id as their extension."""
    members = []
    for ch in live:
        if not ch.exten.isdigit():
            continue
        if ch.context == dp.CTX_SESSION and ch.state == STATE_UP:  # not still ringing
            members.append(BridgeMember(int(ch.exten), ch, True))
        elif ch.context in (dp.CTX_CONNECT, dp.CTX_CONNECT_RECORDED):
            members.append(BridgeMember(int(ch.exten), ch, False))
    return members


def queue_entries(queued: Iterable[QueuedCaller], live: Mapping[str, Channel]
                  ) -> list[QueueEntry]:
    """`live`: the channels of CoreShowChannels by uniqueid (QueueStatus gives no linkedid)."""
    return [QueueEntry(live.get(q.channel.uniqueid) or q.channel, q.queue, q.wait_seconds)
            for q in queued]


def first_channels(live: Iterable[Channel]) -> dict[str, str]:
    """Each live call's first channel (the one its linkedid names: the customer's, on which a
    recording runs) by linkedid."""
    return {ch.linkedid: ch.name for ch in live if ch.uniqueid == ch.linkedid}
