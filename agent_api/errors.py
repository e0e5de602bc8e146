"""Business-rule rejections in the same shape as FastAPI's own validation errors (422 with a
list of {loc, msg, type}), so a client shows every refusal the same way, naming the field."""
from dataclasses import dataclass

from fastapi import HTTPException


@dataclass(frozen=True, slots=True)
class Violation:
    rule: str  # e.g. "product_on_supply"
    loc: tuple[str | int, ...]  # e.g. ("body", "lines", 0, "product_id")
    msg: str


def refuse(violations: list[Violation], status: int = 422) -> HTTPException:
    """The exception to raise for one or more broken rules; each names its field and rule."""
    return HTTPException(status, detail=[{"loc": list(v.loc), "msg": v.msg, "type": f"rule.{v.rule}"}
                                         for v in violations])
