"""The knowledge base: articles in seven categories, searched by full text that works for Chinese.

The search index is outside the ORM's tables, made by migration 0008: on SQLite an FTS5 table
with the trigram tokenizer (KNOWLEDGE_FTS, kept in step by triggers), on PostgreSQL a pg_trgm GIN
index (KNOWLEDGE_TRGM_INDEX) over the SEARCHED_COLUMNS joined by spaces."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow

KNOWLEDGE_FTS = "knowledge_fts"
KNOWLEDGE_TRGM_INDEX = "ix_knowledge_articles_trgm"
SEARCHED_COLUMNS = ("title", "tags", "body")


class KnowledgeCategory(enum.StrEnum):
    PRODUCT = "product"
    BRAND = "brand"
    MARKETING = "marketing"
    LOGISTICS = "logistics"
    SYSTEM_OPERATION = "system_operation"
    BUSINESS = "business"
    FAQ = "faq"


CATEGORY_NAMES: dict[KnowledgeCategory, tuple[str, str]] = {
    KnowledgeCategory.PRODUCT: ("产品知识", "Products"),
    KnowledgeCategory.BRAND: ("品牌知识", "Brands"),
    KnowledgeCategory.MARKETING: ("营销知识", "Marketing"),
    KnowledgeCategory.LOGISTICS: ("物流知识", "Logistics"),
    KnowledgeCategory.SYSTEM_OPERATION: ("系统操作", "System operation"),
    KnowledgeCategory.BUSINESS: ("业务知识", "Business"),
    KnowledgeCategory.FAQ: ("常见问题", "FAQ"),
}


class KnowledgeArticle(Base):
    __tablename__ = "knowledge_articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[KnowledgeCategory] = mapped_column(index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    tags: Mapped[str] = mapped_column(String(200), default="")  # space-separated keywords
    active: Mapped[bool] = mapped_column(default=True)
    updated_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # The ORM checks it on UPDATE: an edit based on a stale read fails instead of overwriting.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}
