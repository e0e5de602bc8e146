"""The ids every log line carries while they are set: the HTTP request's, the call's (its
linkedid, or the channel's uniqueid before the linkedid is known) and the agent's. Set where a
request, a call or an agent is being handled (the HTTP face, the AGI session, the engine's
dispatcher, the desk); runtime/logs.py writes them into each record. Context variables, so a
task started while one is set (a delivery, an AGI connection) keeps it, and nothing leaks
from one call's handling into another's."""
import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
call_id: ContextVar[str | None] = ContextVar("call_id", default=None)
agent_id: ContextVar[int | None] = ContextVar("agent_id", default=None)
IDS: dict[str, ContextVar[str | None] | ContextVar[int | None]] = {
    "request_id": request_id, "call_id": call_id, "agent_id": agent_id}


def current() -> dict[str, object]:
    """The ids set now, by name."""
    return {name: value for name, var in IDS.items() if (value := var.get()) is not None}


@contextlib.contextmanager
def bound(*, call: str | None = None, agent: int | None = None) -> Iterator[None]:
    """Within the block the call's and the agent's ids are those given (None: as they were)."""
    with contextlib.ExitStack() as stack:
        if call is not None:
            stack.callback(call_id.reset, call_id.set(call))
        if agent is not None:
            stack.callback(agent_id.reset, agent_id.set(agent))
        yield
