"""ACD rows on SQLite and PostgreSQL: the journal writes transitions and callbacks, the desk
reads each agent's last state and the queue settings, and the figures pair each call with the
wrap-up that followed it."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from acd.agent_state import AgentState, PauseReason
from acd.desk import Desk
from acd.figures import load_since
from models import (
    Agent,
    AgentTransition,
    Branch,
    BusinessType,
    Call,
    CallbackRequest,
    QueueSettings,
    utcnow,
)
from models.calls import CallDirection, CallOutcome
from models.journal import Journal
from services.demo import seed
from tests.db.conftest import busy_once

pytestmark = pytest.mark.db


async def test_the_desk_reads_queue_settings_and_the_last_state_of_each_agent(sessions):
    await seed(sessions)
    async with sessions() as s, s.begin():
        bj = await s.scalar(select(Branch).where(Branch.code == "BJ"))
        order = await s.scalar(select(BusinessType).where(BusinessType.code == "order"))
        s.add(QueueSettings(branch=bj, business_type=order, wrap_up_seconds=25, min_level=3,
                            overflow=[{"after_seconds": 40, "min_level": 1, "branches": ["HQ"]}],
                            max_wait_seconds=None, class_priority={"A": 5}))
        agent = await s.scalar(select(Agent).where(Agent.number == "8001"))
    journal = Journal(sessions)
    now = utcnow()
    for i, (before, after, reason) in enumerate([("logged_out", "paused", "login"),
                                                 ("paused", "available", None),
                                                 ("available", "paused", "meal")]):
        journal.submit(AgentTransition(agent_id=agent.id, at=now + timedelta(seconds=i),
                                       from_state=before, to_state=after, event="x",
                                       reason=reason))
    journal.submit(CallbackRequest(pbx_server="local", linkedid="1.1", caller_number="139",
                                   queue="BJ-order"))
    await journal.flush()
    assert journal.written == 4
    desk = Desk(pbx=None)
    await desk.load(sessions)
    policy = desk.router.policies["BJ-order"]
    assert (policy.wrap_up_seconds, policy.min_level, policy.max_wait_seconds) == (25, 3, None)
    assert policy.overflow[0].after_seconds == 40 and policy.priority_of("A") == 5
    assert desk.router.policies["SH-order"].wrap_up_seconds == 10  # no row: the defaults
    assert "BJ-self_service" not in desk.router.policies
    last = desk.last_states[agent.id]
    assert (last.state, last.reason) == (AgentState.PAUSED, PauseReason.MEAL)
    assert desk.agents[agent.id].skills == {"order": 8, "complaint": 5}


async def test_figures_pair_each_call_with_its_wrap_up(sessions):
    await seed(sessions)
    t0 = utcnow()
    async with sessions() as s, s.begin():
        agent = await s.scalar(select(Agent).where(Agent.number == "8001"))
        s.add(Call(linkedid="1.1", uniqueid="1.1", direction=CallDirection.INBOUND,
                   offered_at=t0, queue="BJ-order", queued_at=t0 + timedelta(seconds=5),
                   connected_at=t0 + timedelta(seconds=12), ended_at=t0 + timedelta(seconds=72),
                   agent_id=agent.id, outcome=CallOutcome.COMPLETED))
        s.add(Call(linkedid="1.2", uniqueid="1.2", direction=CallDirection.INBOUND,
                   offered_at=t0, queue="BJ-order", queued_at=t0 + timedelta(seconds=5),
                   ended_at=t0 + timedelta(seconds=9), outcome=CallOutcome.ABANDONED))
        for seconds, before, after in ((72, "on_call", "wrap_up"), (80, "wrap_up", "available")):
            s.add(AgentTransition(agent_id=agent.id, at=t0 + timedelta(seconds=seconds),
                                  from_state=before, to_state=after, event="x",
                                  call_linkedid="1.1"))
    calls, handled = await load_since(sessions, "local", t0)
    by_id = sorted(calls, key=lambda c: c.abandoned)
    assert [c.wrap_up_seconds for c in by_id] == [8.0, 0.0]
    assert by_id[1].abandoned and handled == {agent.id: 1}


async def test_a_journal_batch_the_busy_database_refuses_is_written_later(sessions, monkeypatch):
    await seed(sessions)
    journal, refused = Journal(sessions), []
    monkeypatch.setattr(journal.writer, "retry_seconds", 0.01)
    monkeypatch.setattr(journal, "_write", busy_once(journal._write, refused))
    for i in range(3):
        journal.submit(CallbackRequest(pbx_server="local", linkedid=f"7.{i}", caller_number="139",
                                       queue="BJ-order"))
    await journal.flush()  # refused: kept
    assert refused == [3] and journal.written == 0
    await journal.flush()
    assert journal.written == 3
    async with sessions() as s:
        assert len((await s.scalars(select(CallbackRequest))).all()) == 3
