"""SQLAlchemy tables and the session factory. Importing this package registers the history
events."""

from models import catalogue as _catalogue  # noqa: F401
from models import history as _history  # noqa: F401  (registers the retailer-history events)
from models import knowledge as _knowledge  # noqa: F401
from models import opinions as _opinions  # noqa: F401
from models import quality as _quality  # noqa: F401
from models import report_schedules as _report_schedules  # noqa: F401
from models import reports as _reports  # noqa: F401
from models.acd import (
    AgentTransition,
    CallbackRequest,
    CallbackStatus,
    MaxWaitOffer,
    QueueSettings,
)
from models.agents import Agent, AgentSkill, Skill
from models.audit import AuditEntry
from models.base import Base, UtcDateTime, utcnow
from models.calls import (
    Call,
    CallDirection,
    CallDisposition,
    CallEvent,
    CallOutcome,
    Disposition,
)
from models.campaigns import (
    AttemptOutcome,
    Campaign,
    CampaignPurpose,
    CampaignState,
    Contact,
    ContactAttempt,
    ContactStatus,
    DialingMode,
    DoNotCall,
)
from models.db import database_busy, database_unreachable, make_engine, make_sessionmaker
from models.ivr import (
    BusinessHours,
    Holiday,
    IvrStep,
    SelfServiceAttempt,
    SelfServiceLock,
    Voicemail,
)
from models.orders import Order, OrderRefusal, OrderStatus
from models.org import Branch, BusinessType
from models.recordings import Recording, RecordingPolicy, RecordingStatus
from models.retailers import Retailer, RetailerHistory, RetailerPhone, RetailerStatus
from models.users import AuthToken, Role, User

__all__ = [
    "database_busy",
    "database_unreachable",
    "Agent",
    "AgentSkill",
    "AgentTransition",
    "AttemptOutcome",
    "AuditEntry",
    "AuthToken",
    "Base",
    "Branch",
    "BusinessHours",
    "BusinessType",
    "Call",
    "CallDirection",
    "CallDisposition",
    "CallEvent",
    "CallOutcome",
    "CallbackRequest",
    "CallbackStatus",
    "Campaign",
    "CampaignPurpose",
    "CampaignState",
    "Contact",
    "ContactAttempt",
    "ContactStatus",
    "DialingMode",
    "DoNotCall",
    "Disposition",
    "Holiday",
    "MaxWaitOffer",
    "IvrStep",
    "Order",
    "OrderRefusal",
    "Recording",
    "RecordingPolicy",
    "RecordingStatus",
    "OrderStatus",
    "QueueSettings",
    "Retailer",
    "RetailerHistory",
    "RetailerPhone",
    "RetailerStatus",
    "Role",
    "SelfServiceAttempt",
    "SelfServiceLock",
    "Skill",
    "User",
    "UtcDateTime",
    "Voicemail",
    "make_engine",
    "make_sessionmaker",
    "utcnow",
]
