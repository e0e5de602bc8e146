"""The reports' roll-up as the engine runs it: every `period` seconds, in a thread of its own
with its own event loop and database connection, so reading back the raw rows and summing them
never holds the engine's loop (the loop only awaits the thread)."""
import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from models import make_engine, make_sessionmaker, utcnow
from services.reports.rollup import roll

log = logging.getLogger("hotline.reports")
ROLLUP_SECONDS = 60.0  # reports lag the calls by up to this; each roll rereads the current interval


class ReportRollup:
    def __init__(self, url: str, period: float = ROLLUP_SECONDS) -> None:
        self.url = url
        self.period = period
        self.rolls = 0  # completed, for whoever waits on one (tests, the bench)
        self.cpu_seconds = 0.0  # the roll-up thread's CPU, all rolls together
        self.rolled = asyncio.Event()  # set after each roll
        self._asked = asyncio.Event()
        self._runner: asyncio.Runner | None = None  # the thread's own loop
        self._db: AsyncEngine | None = None
        self._sessions: async_sessionmaker[AsyncSession] | None = None

    async def run(self) -> None:
        pool = ThreadPoolExecutor(1, thread_name_prefix="report-rollup")
        loop = asyncio.get_running_loop()
        try:
            while True:
                try:
                    await asyncio.wait_for(self._asked.wait(), self.period)
                except TimeoutError:
                    pass
                self._asked.clear()
                await self.roll_now(loop, pool)
        finally:
            pool.submit(self._close)
            pool.shutdown(wait=False)

    def request(self) -> None:
        """A roll now rather than at the next period (whoever needs the latest figures)."""
        self._asked.set()

    async def roll_now(self, loop: asyncio.AbstractEventLoop, pool: ThreadPoolExecutor) -> None:
        try:
            await loop.run_in_executor(pool, self._roll)
        except Exception:
            log.exception("report roll-up failed")
            return
        self.rolls += 1
        self.rolled.set()
        self.rolled.clear()

    def _roll(self) -> int:
        started = time.thread_time()
        try:
            if self._runner is None:
                self._runner = asyncio.Runner()
            return self._runner.run(self._roll_async())
        finally:
            self.cpu_seconds += time.thread_time() - started

    async def _roll_async(self) -> int:
        if self._sessions is None:
            self._db = make_engine(self.url, pool_size=1)
            self._sessions = make_sessionmaker(self._db)
        async with self._sessions() as session:
            return await roll(session, utcnow())

    def _close(self) -> None:
        if self._runner is None:
            return
        if self._db is not None:
            self._runner.run(self._db.dispose())
        self._runner.close()
