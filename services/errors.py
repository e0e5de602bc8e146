"""What the business services raise when a request cannot be done. The HTTP face turns each
kind into its status (agent_api/errors.py); a broken rule is said in the shape of FastAPI's own
validation errors (a list of {loc, msg, type}, with `ctx` when the rule carries values), so a
client shows every refusal the same way, naming the field, and says the rule in its reader's
words from the code."""
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Violation:
    rule: str  # e.g. "product_on_supply"
    loc: tuple[str | int, ...]  # e.g. ("body", "lines", 0, "product_id")
    msg: str  # the English sentence, for API users
    # the values the rule's words need, as FastAPI's own errors carry them: {"limit": 50}
    ctx: dict[str, Any] | None = field(default=None, hash=False)

    def said(self) -> dict[str, Any]:
        said: dict[str, Any] = {"loc": list(self.loc), "msg": self.msg, "type": f"rule.{self.rule}"}
        if self.ctx:
            said["ctx"] = self.ctx
        return said


class DomainError(Exception):
    def __init__(self, detail: str | list[Violation]) -> None:
        super().__init__(detail)
        self.detail = detail if isinstance(detail, str) else [v.said() for v in detail]


class NotFound(DomainError):
    """The thing named does not exist, or is not the caller's to see."""


class NotAllowed(DomainError):
    """The caller's role or branch may not do this."""


class Refused(DomainError):
    """One or more business rules are broken; each names its field and rule."""


class TooLarge(Refused):
    """Refused because the content sent is larger than a stated limit."""


class Conflict(Refused):
    """Refused because of the state the data is in now (a name taken, a stale version)."""


class Unavailable(DomainError):
    """The PBX could not do it now (not connected, or it refused the action)."""
