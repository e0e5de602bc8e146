"""A retailer as the API and the screen-pop show it."""
from datetime import datetime

from pydantic import BaseModel

from models import Retailer, RetailerStatus


class RetailerOut(BaseModel):
    id: int
    card_number: str
    name: str
    branch_id: int | None
    branch: str | None
    retailer_class: str
    status: RetailerStatus
    phones: list[str]
    version: int
    updated_at: datetime



def retailer_out(r: Retailer) -> RetailerOut:
    return RetailerOut(id=r.id, card_number=r.card_number, name=r.name, branch_id=r.branch_id,
                       branch=r.branch.code if r.branch else None,
                       retailer_class=r.retailer_class, status=r.status,
                       phones=[p.number for p in r.phones], version=r.version,
                       updated_at=r.updated_at)
