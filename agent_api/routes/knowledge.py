"""The knowledge base: every user searches it; supervisors, ops and admins write it."""
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, Field
from sqlalchemy.orm.exc import StaleDataError

from agent_api.auth import CurrentUser, Principal, current_user, require
from agent_api.deps import Session
from models import Role
from models.knowledge import CATEGORY_NAMES, KnowledgeArticle, KnowledgeCategory
from services.knowledge_search import search

router = APIRouter(prefix="/knowledge", tags=["knowledge"], dependencies=[Depends(current_user)])
EDITORS = require(Role.SUPERVISOR, Role.OPS, Role.ADMIN)
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


async def _article(session: Session, user: Principal, article_id: int) -> KnowledgeArticle:
    a = await session.get(KnowledgeArticle, article_id)
    if a is None or (not a.active and user.role == Role.AGENT):
        raise HTTPException(404, f"article {article_id} not found")
    return a


@router.get("/categories", response_model=list[CategoryOut])
async def categories() -> list[CategoryOut]:
    return [CategoryOut(code=c, name_zh=zh, name_en=en) for c, (zh, en) in CATEGORY_NAMES.items()]


@router.get("", response_model=list[FoundOut])
async def find(session: Session,
               q: Annotated[str | None, Query(max_length=200, description=(
                   "words, all required; Chinese words of any length"))] = None,
               category: KnowledgeCategory | None = None,
               limit: Annotated[int, Query(ge=1, le=100)] = 20) -> list[FoundOut]:
    """Active articles with every word, those with the words in the title first; without q,
    the newest."""
    return [FoundOut(id=a.id, title=a.title, category=a.category, tags=a.tags, snippet=snip,
                     updated_at=a.updated_at)
            for a, snip in await search(session, q, category, limit)]


@router.get("/{article_id}", response_model=ArticleOut)
async def get_one(article_id: int, session: Session, user: CurrentUser) -> ArticleOut:
    return _out(await _article(session, user, article_id))


@router.post("", response_model=ArticleOut, status_code=201)
async def add(body: ArticleIn, session: Session, user: Editor) -> ArticleOut:
    a = KnowledgeArticle(**body.model_dump(), updated_by=user.username)
    session.add(a)
    await session.commit()
    return _out(a)


@router.patch("/{article_id}", response_model=ArticleOut)
async def change(article_id: int, body: ArticlePatch, session: Session,
                 user: Editor) -> ArticleOut:
    a = await _article(session, user, article_id)
    if body.version != a.version:
        raise HTTPException(409, f"version: article {article_id} is at version {a.version}, "
                                 f"not {body.version}; reload it")
    for field, value in body.model_dump(exclude_none=True, exclude={"version"}).items():
        setattr(a, field, value)
    a.updated_by = user.username
    try:
        await session.commit()
    except StaleDataError:  # changed by someone else between our read and our write
        raise HTTPException(409, f"version: article {article_id} changed meanwhile; "
                                 "reload it") from None
    return _out(a)


@router.delete("/{article_id}", status_code=204)
async def withdraw(article_id: int, session: Session, user: Editor) -> None:
    """Taken out of the search (kept, and can be put back with PATCH active)."""
    a = await _article(session, user, article_id)
    a.active, a.updated_by = False, user.username
    await session.commit()
