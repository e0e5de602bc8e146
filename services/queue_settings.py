"""Queue settings as an administrator keeps them: one queue per (branch, business type), each
with its wrap-up, service level (threshold and target), overflow steps, maximum wait and
recording policy. A queue without its own row is routed by the defaults (acd/queues.py)."""
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from acd.queues import NOT_QUEUED, default_policy, policy_from_row, queue_name
from acd.routing import MIN_LEVEL, QueuePolicy
from models import Branch, BusinessType, MaxWaitOffer, QueueSettings
from models.recordings import RecordingPolicy
from services import audit
from services.errors import NotAllowed, NotFound, Refused, Violation
from services.principal import Principal


@dataclass(frozen=True, slots=True)
class Overflow:
    after_seconds: int
    min_level: int = MIN_LEVEL
    branches: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class QueueFields:
    wrap_up_seconds: int
    service_level_seconds: int
    service_level_target: int
    min_level: int = MIN_LEVEL
    wait_amber_seconds: int = 30
    wait_red_seconds: int = 60
    overflow: tuple[Overflow, ...] = ()
    max_wait_seconds: int | None = None
    class_priority: tuple[tuple[str, int], ...] = ()
    recording: RecordingPolicy = RecordingPolicy.ALWAYS
    max_wait_offer: MaxWaitOffer = MaxWaitOffer.MESSAGE_OR_CALLBACK
    survey: bool = False


def view(policy: QueuePolicy, own: bool) -> dict[str, Any]:
    return {"queue": policy.name, "branch": policy.branch, "business_type": policy.business_type,
            "wrap_up_seconds": int(policy.wrap_up_seconds),
            "service_level_seconds": int(policy.service_level_seconds),
            "service_level_target": policy.service_level_target,
            "wait_amber_seconds": int(policy.wait_amber_seconds),
            "wait_red_seconds": int(policy.wait_red_seconds), "min_level": policy.min_level,
            "overflow": [{"after_seconds": int(s.after_seconds), "min_level": s.min_level,
                          "branches": list(s.branches)} for s in policy.overflow],
            "max_wait_seconds": None if policy.max_wait_seconds is None
            else int(policy.max_wait_seconds),
            "max_wait_offer": policy.max_wait_offer.value, "survey": policy.survey,
            "class_priority": dict(policy.class_priority), "recording": policy.recording.value,
            "own_settings": own}


async def listed(session: AsyncSession, viewer: Principal) -> list[dict[str, Any]]:
    """Every queue the viewer's branches have, with the settings it is routed by."""
    rows = {queue_name(r.branch.code, r.business_type.code): r
            for r in await session.scalars(select(QueueSettings))}
    out = []
    for b in await session.scalars(select(Branch).order_by(Branch.code)):
        if not viewer.may_see_branch(b.id):
            continue
        for bt in await session.scalars(select(BusinessType).order_by(BusinessType.sort_order)):
            if bt.code in NOT_QUEUED:
                continue
            row = rows.get(queue_name(b.code, bt.code))
            out.append(view(policy_from_row(row), True) if row
                       else view(default_policy(b, bt.code), False))
    return out


async def put(session: AsyncSession, actor: Principal, queue: str,
              fields: QueueFields) -> dict[str, Any]:
    branch, bt, row = await _queue(session, actor, queue)
    before = (view(policy_from_row(row), True) if row
              else view(default_policy(branch, bt.code), False))
    known = set(await session.scalars(select(Branch.code)))
    problems = [Violation("unknown_branch", ("body", "overflow", i, "branches"),
                          f"no branch {code!r}")
                for i, step in enumerate(fields.overflow) for code in step.branches
                if code not in known]
    if fields.wait_red_seconds <= fields.wait_amber_seconds:
        problems.append(Violation("wait_thresholds", ("body", "wait_red_seconds"),
                                  "red comes after amber: more seconds"))
    if problems:
        raise Refused(problems)
    if row is None:
        row = QueueSettings(branch=branch, business_type=bt)
        session.add(row)
    row.wrap_up_seconds = fields.wrap_up_seconds
    row.service_level_seconds = fields.service_level_seconds
    row.service_level_target = fields.service_level_target
    row.wait_amber_seconds = fields.wait_amber_seconds
    row.wait_red_seconds = fields.wait_red_seconds
    row.min_level = fields.min_level
    row.overflow = [{"after_seconds": s.after_seconds, "min_level": s.min_level,
                     "branches": list(s.branches)} for s in fields.overflow]
    row.max_wait_seconds = fields.max_wait_seconds
    row.class_priority = dict(fields.class_priority)
    row.recording = fields.recording
    row.max_wait_offer = fields.max_wait_offer
    row.survey = fields.survey
    try:
        after = view(policy_from_row(row), True)
    except ValueError as exc:  # the routing's own rules: steps that only widen, levels 1..10
        raise Refused([Violation("queue_policy", ("body", "overflow"),
                                 str(exc).removeprefix(f"{queue}: "))]) from None
    await session.flush()
    audit.record(session, actor, "update", "queue_settings", queue, branch_id=branch.id,
                 before=before, after=after)
    await session.commit()
    return after


async def reset(session: AsyncSession, actor: Principal, queue: str) -> None:
    """The queue is routed by the defaults again."""
    branch, bt, row = await _queue(session, actor, queue)
    if row is None:
        return
    audit.record(session, actor, "delete", "queue_settings", queue, branch_id=branch.id,
                 before=view(policy_from_row(row), True))
    await session.delete(row)
    await session.commit()


async def _queue(session: AsyncSession, actor: Principal, queue: str
                 ) -> tuple[Branch, BusinessType, QueueSettings | None]:
    for b in await session.scalars(select(Branch)):
        prefix = f"{b.code}-"
        if not queue.startswith(prefix):
            continue
        bt = await session.scalar(select(BusinessType).where(
            BusinessType.code == queue.removeprefix(prefix)))
        if bt is None or bt.code in NOT_QUEUED or not actor.may_see_branch(b.id):
            continue
        if not actor.administers(b.id):
            raise NotAllowed(f"queue {queue} is not of a branch you administer")
        row = await session.scalar(select(QueueSettings).where(
            QueueSettings.branch_id == b.id, QueueSettings.business_type_id == bt.id))
        return b, bt, row
    raise NotFound(f"no queue {queue!r}")
