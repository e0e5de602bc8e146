from pydantic import BaseModel


class DbSettings(BaseModel):
    # SQLite in the data folder by default; PostgreSQL with postgresql+asyncpg://...
    url: str = "sqlite+aiosqlite:///var/hotline.db"
    echo: bool = False
