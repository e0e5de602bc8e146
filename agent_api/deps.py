from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from runtime.feed_leases import FeedLeases


def get_engine(request: Request):
    return request.app.state.engine


def get_leases(request: Request) -> FeedLeases:
    """The live feeds' hold on their tokens: whoever revokes a token tells it."""
    return request.app.state.leases


def get_sessions(request: Request) -> async_sessionmaker[AsyncSession]:
    return request.app.state.sessions


async def get_session(request: Request):
    async with request.app.state.sessions() as session:
        yield session


Session = Annotated[AsyncSession, Depends(get_session)]
Leases = Annotated[FeedLeases, Depends(get_leases)]
