"""Queue policies from the database: one queue per (branch, business type), configured by a
queue_settings row or, without one, by the defaults below."""
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.routing import OverflowStep, QueuePolicy
from models import Branch, BusinessType, MaxWaitOffer, QueueSettings

HQ = "HQ"
NOT_QUEUED = {"self_service"}  # served by the IVR alone
DEFAULT_OVERFLOW_TO_HQ_AFTER = 60  # seconds a branch caller waits before headquarters may answer
DEFAULT_WRAP_UP_SECONDS = 10
DEFAULT_MAX_WAIT_SECONDS = 180
FALLBACK_ROUTE = "HQ-operator"  # callers found in the PBX's fallback queue are routed as these
DEFAULT_CLASS_PRIORITY = (("A", 2), ("B", 1))  # retailer class -> call priority


def queue_name(branch: str, business_type: str) -> str:
    return f"{branch}-{business_type}"


def default_policy(branch: Branch, business_type: str) -> QueuePolicy:
    overflow = () if branch.is_headquarters else (
        OverflowStep(DEFAULT_OVERFLOW_TO_HQ_AFTER, branches=(HQ,)),)
    return QueuePolicy(queue_name(branch.code, business_type), branch.code, business_type,
                       overflow=overflow, wrap_up_seconds=DEFAULT_WRAP_UP_SECONDS,
                       max_wait_seconds=DEFAULT_MAX_WAIT_SECONDS,
                       class_priority=DEFAULT_CLASS_PRIORITY)


def policy_from_row(row: QueueSettings) -> QueuePolicy:
    """Raises ValueError naming the queue when the row is inconsistent (QueuePolicy checks)."""
    steps = tuple(OverflowStep(float(s["after_seconds"]), int(s.get("min_level", 1)),
                               tuple(s.get("branches", ()))) for s in row.overflow)
    return QueuePolicy(
        queue_name(row.branch.code, row.business_type.code), row.branch.code,
        row.business_type.code, overflow=steps, min_level=row.min_level,
        max_wait_seconds=row.max_wait_seconds, wrap_up_seconds=row.wrap_up_seconds,
        service_level_seconds=row.service_level_seconds,
        service_level_target=row.service_level_target, wait_amber_seconds=row.wait_amber_seconds,
        wait_red_seconds=row.wait_red_seconds,
        class_priority=tuple(sorted((str(k), int(v)) for k, v in row.class_priority.items())),
        recording=row.recording, max_wait_offer=MaxWaitOffer(row.max_wait_offer),
        survey=row.survey)


async def load_policies(sessions: async_sessionmaker[AsyncSession]) -> list[QueuePolicy]:
    async with sessions() as s:
        branches = list(await s.scalars(select(Branch)))
        types = [bt.code for bt in await s.scalars(select(BusinessType))
                 if bt.code not in NOT_QUEUED]
        rows = {queue_name(r.branch.code, r.business_type.code): r
                for r in await s.scalars(select(QueueSettings))}
    policies = []
    for b in branches:
        for bt in types:
            row = rows.get(queue_name(b.code, bt))
            policies.append(policy_from_row(row) if row else default_policy(b, bt))
    return policies
