from pydantic import BaseModel


class DbSettings(BaseModel):
    # SQLite in the data folder by default; PostgreSQL with postgresql+asyncpg://...
    url: str = "sqlite+aiosqlite:///var/hotline.db"
    echo: bool = False
    # Connections kept open: the API serves dozens of agents at once, and opening a connection
    # per burst (a new thread for SQLite, a login for PostgreSQL) costs tens of milliseconds.
    pool_size: int = 20
