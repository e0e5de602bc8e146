"""The knowledge base as its editors keep it: articles added, changed with a version check,
withdrawn and put back, each change in the audit log in its own transaction. Agents read only
active articles; editors (supervisors, ops, admins) find withdrawn ones too when they ask."""
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from models import Role
from models.knowledge import KnowledgeArticle, KnowledgeCategory
from services import audit
from services.errors import Conflict, NotAllowed, NotFound
from services.knowledge_search import search
from services.principal import Principal

EDITORS = (Role.SUPERVISOR, Role.OPS, Role.ADMIN)
FIELDS = ("category", "title", "body", "tags", "active")


@dataclass(frozen=True, slots=True)
class ArticleFields:
    """A new article, or a change (the fields not None)."""
    category: KnowledgeCategory | None = None
    title: str | None = None
    body: str | None = None
    tags: str | None = None
    active: bool | None = None


def view(a: KnowledgeArticle) -> dict[str, Any]:
    return {f: getattr(a, f) for f in FIELDS}


async def found(session: AsyncSession, viewer: Principal, q: str | None,
                category: KnowledgeCategory | None, limit: int,
                include_withdrawn: bool = False) -> list[tuple[KnowledgeArticle, str]]:
    if include_withdrawn and viewer.role not in EDITORS:
        raise NotAllowed("only supervisors, ops and admins see withdrawn articles")
    return await search(session, q, category, limit, include_withdrawn)


async def get(session: AsyncSession, viewer: Principal, article_id: int) -> KnowledgeArticle:
    a = await session.get(KnowledgeArticle, article_id)
    if a is None or (not a.active and viewer.role == Role.AGENT):
        raise NotFound(f"article {article_id} not found")
    return a


async def add(session: AsyncSession, actor: Principal, new: ArticleFields) -> KnowledgeArticle:
    a = KnowledgeArticle(category=new.category, title=new.title, body=new.body,
                         tags=new.tags or "", updated_by=actor.username)
    session.add(a)
    await session.flush()
    audit.record(session, actor, "create", "knowledge_article", a.id, after=view(a))
    await session.commit()
    return a


async def change(session: AsyncSession, actor: Principal, article_id: int, version: int,
                 ch: ArticleFields) -> KnowledgeArticle:
    """`version` must be the current one, so nobody overwrites an edit they have not seen;
    `active` True puts a withdrawn article back."""
    a = await get(session, actor, article_id)
    if version != a.version:
        raise Conflict(f"version: article {article_id} is at version {a.version}, "
                       f"not {version}; reload it")
    before = view(a)
    for field in FIELDS:
        value = getattr(ch, field)
        if value is not None:
            setattr(a, field, value)
    action = "restore" if before["active"] is False and a.active else "update"
    await _commit(session, actor, a, action, before)
    return a


async def withdraw(session: AsyncSession, actor: Principal, article_id: int) -> None:
    """Out of the search, kept: PATCH active puts it back."""
    a = await get(session, actor, article_id)
    before = view(a)
    a.active = False
    await _commit(session, actor, a, "withdraw", before)


async def _commit(session: AsyncSession, actor: Principal, a: KnowledgeArticle, action: str,
                  before: dict[str, Any]) -> None:
    """The change and its audit entry (none when nothing changed), or a 409 when someone else
    changed the article between our read and our write."""
    ident = a.id
    if view(a) == before:
        await session.commit()
        return
    a.updated_by = actor.username
    try:
        await session.flush()
        audit.record(session, actor, action, "knowledge_article", ident, before=before,
                     after=view(a))
        await session.commit()
    except StaleDataError:
        await session.rollback()
        raise Conflict(f"version: article {ident} changed meanwhile; reload it") from None
