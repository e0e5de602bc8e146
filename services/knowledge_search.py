"""Full-text search of the knowledge base that works for Chinese (no spaces between words).

Terms are the query's space-separated parts, all required. A term of three characters or more
goes to the trigram index (SQLite FTS5 MATCH; PostgreSQL ILIKE, which pg_trgm's GIN index
serves); a shorter one (退货, 价格: most Chinese words are two characters, below a trigram) is a
plain substring match. User input is always quoted or escaped, never query syntax."""
from typing import cast

from sqlalchemy import (
    ColumnClause,
    ColumnElement,
    Select,
    and_,
    case,
    literal_column,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession

from models.knowledge import (
    KNOWLEDGE_FTS,
    SEARCHED_COLUMNS,
    KnowledgeArticle,
    KnowledgeCategory,
)

MAX_TERMS = 8
TRIGRAM = 3
SNIPPET_BEFORE, SNIPPET_AFTER = 20, 60


def terms(q: str) -> list[str]:
    """The distinct terms of a query, in order."""
    return list(dict.fromkeys(q.split()))[:MAX_TERMS]


def like_pattern(term: str) -> str:
    """A LIKE pattern matching `term` anywhere, its wildcards taken literally (ESCAPE '\\')."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def fts_phrase(term: str) -> str:
    """`term` as an FTS5 string: nothing in it is read as an operator."""
    return '"' + term.replace('"', '""') + '"'


def snippet(body: str, found: list[str]) -> str:
    lowered = body.lower()
    at = min((i for i in (lowered.find(t.lower()) for t in found) if i >= 0), default=0)
    start, end = max(0, at - SNIPPET_BEFORE), at + SNIPPET_AFTER
    return ("…" if start else "") + body[start:end] + ("…" if end < len(body) else "")


def search_query(dialect: str, found: list[str], category: KnowledgeCategory | None,
                 limit: int, include_withdrawn: bool = False) -> Select:
    a = KnowledgeArticle
    query = select(a) if include_withdrawn else select(a).where(a.active)
    if category is not None:
        query = query.where(a.category == category)
    if not found:
        return query.order_by(a.updated_at.desc(), a.id.desc()).limit(limit)
    # Spelled as the PostgreSQL index's expression, so that the index serves it.
    searched: ColumnClause[str] = literal_column(
        "(" + " || ' ' || ".join(f"{a.__tablename__}.{c}" for c in SEARCHED_COLUMNS) + ")")
    long_terms = [t for t in found if len(t) >= TRIGRAM]
    if dialect == "sqlite" and long_terms:
        match = " AND ".join(fts_phrase(t) for t in long_terms)
        query = query.where(a.id.in_(
            select(literal_column("rowid")).select_from(text(KNOWLEDGE_FTS))
            .where(text(f"{KNOWLEDGE_FTS} MATCH :match").bindparams(match=match))))
        substring_terms = [t for t in found if len(t) < TRIGRAM]
    else:
        substring_terms = found
    like = searched.ilike if dialect != "sqlite" else searched.like  # SQLite's LIKE: no case
    query = query.where(and_(True, *(like(like_pattern(t), escape="\\")
                                     for t in substring_terms)))
    # `found` is not empty here, so the sum is 0 + CASE ... : an SQL expression, never the int 0
    in_title = cast(ColumnElement[int],
                    sum(case((a.title.ilike(like_pattern(t), escape="\\"), 1), else_=0)
                        for t in found))
    return query.order_by(in_title.desc(), a.updated_at.desc(), a.id.desc()).limit(limit)


async def search(session: AsyncSession, q: str | None, category: KnowledgeCategory | None,
                 limit: int, include_withdrawn: bool = False
                 ) -> list[tuple[KnowledgeArticle, str]]:
    """Matching active articles (withdrawn ones too if asked), those with the terms in the title
    first, each with a snippet."""
    found = terms(q or "")
    if session.bind is None:
        raise RuntimeError("the session is not bound to an engine")
    dialect = session.bind.dialect.name
    rows = await session.scalars(search_query(dialect, found, category, limit,
                                              include_withdrawn))
    return [(article, snippet(article.body, found)) for article in rows]
