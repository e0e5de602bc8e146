"""SQLAlchemy tables and the session factory. Importing this package registers the history events."""

from models import history as _history  # noqa: F401  (registers the retailer-history events)
from models.agents import Agent, AgentSkill, Skill
from models.base import Base, UtcDateTime, utcnow
from models.calls import Call, CallDirection, CallEvent, CallOutcome
from models.db import make_engine, make_sessionmaker
from models.org import Branch, BusinessType
from models.retailers import Retailer, RetailerHistory, RetailerPhone, RetailerStatus

__all__ = [
    "Agent",
    "AgentSkill",
    "Base",
    "Branch",
    "BusinessType",
    "Call",
    "CallDirection",
    "CallEvent",
    "CallOutcome",
    "Retailer",
    "RetailerHistory",
    "RetailerPhone",
    "RetailerStatus",
    "Skill",
    "UtcDateTime",
    "make_engine",
    "make_sessionmaker",
    "utcnow",
]
