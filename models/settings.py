from pydantic import BaseModel


class DbSettings(BaseModel):
    # PostgreSQL with postgresql+asyncpg://...; unset, SQLite in the data folder (the engine's
    # Settings put it there: HOTLINE_DATA_DIR/hotline.db)
    url: str = "sqlite+aiosqlite:///var/hotline.db"
    echo: bool = False
    # Connections kept open: the API serves dozens of agents at once, and opening a connection
    # per burst (a new thread for SQLite, a login for PostgreSQL) costs tens of milliseconds.
    pool_size: int = 20
