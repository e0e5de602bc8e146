"""An agent's own say over the recording of the current call: start it (on demand), pause,
resume or stop it."""
import time

from acd.recorder import Recorder, file_name
from acd.sessions import AgentSessions
from asterisk.actions import MuteRecording, Pbx, StartRecording, StopRecording
from asterisk.config import RECORDINGS_DIR
from models import RecordingPolicy


class RecordingControl:
    def __init__(self, pbx: Pbx, sessions: AgentSessions, recorder: Recorder) -> None:
        self.pbx, self.sessions, self.recorder = pbx, sessions, recorder

    async def apply(self, agent_id: int, action: str) -> None:
        """Raises LookupError (no call), ValueError (refused by the call's state) or
        AmiError."""
        channel = self.sessions.call_channel(agent_id)
        take = self.recorder.take_of(channel) if channel else None
        if channel is None or take is None:
            raise LookupError("the agent has no call that may be recorded")
        if action == "start":
            # A second start before the PBX says the first one's file would record twice.
            if take.file is not None or take.starting:
                raise ValueError("the call is already being recorded")
            name = file_name(take.linkedid, time.time())
            take.starting = True
            try:
                await self.pbx.perform(StartRecording(channel, f"{RECORDINGS_DIR}/{name}"))
            except BaseException:
                take.starting = False
                raise
            return
        if take.file is None:
            raise ValueError("the call is not being recorded")
        if action == "stop":
            if take.policy == RecordingPolicy.ALWAYS:
                raise ValueError("this queue records every call; pause the recording instead")
            await self.pbx.perform(StopRecording(channel))
        else:
            await self.pbx.perform(MuteRecording(channel, muted=action == "pause"))
