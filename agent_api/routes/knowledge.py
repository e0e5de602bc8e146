"""The knowledge base: every user searches it; supervisors, ops and admins write it."""
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from agent_api.auth import CurrentUser, Principal, current_user, require
from agent_api.deps import Session
from agent_api.fields import Id
from models.knowledge import CATEGORY_NAMES, KnowledgeArticle, KnowledgeCategory
from services import knowledge

router = APIRouter(prefix="/knowledge", tags=["knowledge"], dependencies=[Depends(current_user)])
EDITORS = require(*knowledge.EDITORS)
Editor = Annotated[Principal, Depends(EDITORS)]


class CategoryOut(BaseModel):
    code: KnowledgeCategory
    name_zh: str
    name_en: str


class FoundOut(BaseModel):
    id: int
    title: str
    category: KnowledgeCategory
    tags: str
    snippet: str
    active: bool
    updated_at: datetime


class ArticleOut(BaseModel):
    id: int
    title: str
    category: KnowledgeCategory
    tags: str
    body: str
    active: bool
    version: int
    updated_by: str | None
    updated_at: datetime


class ArticleIn(BaseModel):
    category: KnowledgeCategory
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=20_000)
    tags: str = Field(default="", max_length=200)


class ArticlePatch(BaseModel):
    version: int = Field(description="the version you read: a stale one is refused (409)")
    category: KnowledgeCategory | None = None
    title: str | None = Field(default=None, min_length=1, max_length=200)
    body: str | None = Field(default=None, min_length=1, max_length=20_000)
    tags: str | None = Field(default=None, max_length=200)
    active: bool | None = None


def _out(a: KnowledgeArticle) -> ArticleOut:
    return ArticleOut(id=a.id, title=a.title, category=a.category, tags=a.tags, body=a.body,
                      active=a.active, version=a.version, updated_by=a.updated_by,
                      updated_at=a.updated_at)


@router.get("/categories", response_model=list[CategoryOut])
async def categories() -> list[CategoryOut]:
    return [CategoryOut(code=c, name_zh=zh, name_en=en) for c, (zh, en) in CATEGORY_NAMES.items()]


@router.get("", response_model=list[FoundOut])
async def find(session: Session, user: CurrentUser,
               q: Annotated[str | None, Query(max_length=200, description=(
                   "words, all required; Chinese words of any length"))] = None,
               category: KnowledgeCategory | None = None,
               include_withdrawn: Annotated[bool, Query(description=(
                   "withdrawn articles too (supervisors, ops and admins), so one can be put "
                   "back"))] = False,
               limit: Annotated[int, Query(ge=1, le=100)] = 20) -> list[FoundOut]:
    """Active articles with every word, those with the words in the title first; without q,
    the newest."""
    return [FoundOut(id=a.id, title=a.title, category=a.category, tags=a.tags, snippet=snip,
                     active=a.active, updated_at=a.updated_at)
            for a, snip in await knowledge.found(session, user, q, category, limit,
                                                 include_withdrawn)]


@router.get("/{article_id}", response_model=ArticleOut)
async def get_one(article_id: Id, session: Session, user: CurrentUser) -> ArticleOut:
    return _out(await knowledge.get(session, user, article_id))


@router.post("", response_model=ArticleOut, status_code=201)
async def add(body: ArticleIn, session: Session, user: Editor) -> ArticleOut:
    return _out(await knowledge.add(session, user, knowledge.ArticleFields(**body.model_dump())))


@router.patch("/{article_id}", response_model=ArticleOut)
async def change(article_id: Id, body: ArticlePatch, session: Session,
                 user: Editor) -> ArticleOut:
    """`active: true` puts a withdrawn article back."""
    fields = knowledge.ArticleFields(**body.model_dump(exclude_none=True, exclude={"version"}))
    return _out(await knowledge.change(session, user, article_id, body.version, fields))


@router.delete("/{article_id}", status_code=204)
async def withdraw(article_id: Id, session: Session, user: Editor) -> None:
    """Taken out of the search (kept, and can be put back with PATCH active)."""
    await knowledge.withdraw(session, user, article_id)
