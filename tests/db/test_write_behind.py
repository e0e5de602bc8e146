"""The one write-behind writer (the journal's, the call log's, the dialer's outcomes) on SQLite
and PostgreSQL: a burst goes into one batch, a busy database costs nothing and keeps the order,
a refused batch goes to the fallback, and shutdown writes what is left. No test waits for time:
each waits for an event, or flushes."""
import asyncio

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, select

from models import make_engine
from models.write_behind import WriteBehind
from tests.db.conftest import busy_once

pytestmark = pytest.mark.db

NUMBERS = Table("write_behind_numbers", MetaData(),
                Column("id", Integer, primary_key=True),
                Column("n", Integer, nullable=False, unique=True))


@pytest.fixture
async def db(engine):
    async with engine.begin() as conn:
        await conn.run_sync(NUMBERS.metadata.create_all)
    return engine


class Numbers:
    """A writer of numbers into NUMBERS that records each batch it was given."""

    def __init__(self, db, **options) -> None:
        self.db, self.batches, self.written = db, [], asyncio.Event()
        self.writer = WriteBehind(lambda batch: self.write(batch), "numbers",
                                  retry_seconds=0.01, **options)

    async def write(self, batch: list[int]) -> None:
        self.batches.append(list(batch))
        async with self.db.begin() as conn:
            await conn.execute(NUMBERS.insert(), [{"n": n} for n in batch])
        self.written.set()

    async def stored(self) -> list[int]:
        async with self.db.connect() as conn:
            return list(await conn.scalars(select(NUMBERS.c.n).order_by(NUMBERS.c.id)))


async def test_a_burst_goes_into_one_batch(db):
    numbers = Numbers(db)
    task = asyncio.create_task(numbers.writer.run())
    numbers.writer.submit(0)
    await asyncio.sleep(0)  # the writer woke and gathers the burst
    numbers.writer.submit_many(range(1, 5))
    await numbers.written.wait()
    assert numbers.batches == [[0, 1, 2, 3, 4]] and numbers.writer.written == 5
    assert await numbers.stored() == [0, 1, 2, 3, 4] and numbers.writer.unsaved() == []
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_a_busy_database_loses_nothing_and_keeps_the_order(db):
    numbers, refused = Numbers(db, max_batch=3), []
    write = busy_once(numbers.write, refused)

    async def arriving_while_busy(batch):
        if not refused:
            numbers.writer.submit_many([10, 11])
        await write(batch)
    numbers.writer.write = arriving_while_busy
    numbers.writer.submit_many(range(5))
    await numbers.writer.flush()
    assert refused == [3]
    assert numbers.batches == [[0, 1, 2], [3, 4, 10], [11]]
    assert await numbers.stored() == [0, 1, 2, 3, 4, 10, 11] and numbers.writer.written == 7


async def test_a_flush_that_may_not_wait_leaves_the_refused_batch_first_in_line(db):
    numbers, refused = Numbers(db), []
    numbers.writer.write = busy_once(numbers.write, refused)
    numbers.writer.submit_many([1, 2])
    await numbers.writer.flush(retry_busy=False)
    numbers.writer.submit(3)
    assert refused == [2] and numbers.writer.unsaved() == [1, 2, 3]
    await numbers.writer.flush(retry_busy=False)
    assert await numbers.stored() == [1, 2, 3] and numbers.writer.written == 3


async def test_shutdown_writes_what_is_left(db):
    numbers = Numbers(db, flush_interval=3600)  # never on its own: only the shutdown writes
    task = asyncio.create_task(numbers.writer.run())
    numbers.writer.submit_many(range(3))
    await asyncio.sleep(0)  # the writer is gathering
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await numbers.stored() == [0, 1, 2] and numbers.writer.unsaved() == []


async def test_shutdown_during_a_write_finishes_it_then_writes_the_rest(db):
    numbers, started, go_on = Numbers(db, flush_interval=0), asyncio.Event(), asyncio.Event()

    async def slow(batch):
        started.set()
        await go_on.wait()
        await numbers.write(batch)
    numbers.writer.write = slow
    task = asyncio.create_task(numbers.writer.run())
    numbers.writer.submit_many([0, 1])
    await started.wait()
    numbers.writer.submit(2)
    assert numbers.writer.unsaved() == [0, 1, 2]
    task.cancel()
    await asyncio.sleep(0)  # the cancellation reached the writer mid-write
    go_on.set()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert numbers.batches == [[0, 1], [2]] and await numbers.stored() == [0, 1, 2]


async def test_a_refused_batch_is_written_item_by_item_and_only_the_bad_item_lost(db, caplog):
    numbers = Numbers(db)
    numbers.writer.submit_many([1, 2, 2, 3])  # the second 2 breaks the unique constraint
    await numbers.writer.flush()
    assert await numbers.stored() == [1, 2, 3] and numbers.writer.written == 3
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == [
        "numbers item lost"]


async def test_a_refused_batch_goes_to_the_given_fallback(db):
    given = []

    async def fallback(batch: list[int]) -> int:
        given.append(batch)
        await numbers.write(sorted(set(batch)))
        return len(set(batch))
    numbers = Numbers(db, fallback=fallback)
    numbers.writer.submit_many([5, 4, 4])
    await numbers.writer.flush()
    assert given == [[5, 4, 4]] and numbers.writer.written == 2
    assert await numbers.stored() == [4, 5] and numbers.writer.unsaved() == []


@pytest.fixture
async def restartable(throwaway_cluster):
    """A PostgreSQL server of the test's own with NUMBERS, which the test may stop and start."""
    db = make_engine(throwaway_cluster.url)
    async with db.begin() as conn:
        await conn.run_sync(NUMBERS.metadata.create_all)
    yield throwaway_cluster, db
    await db.dispose()


async def test_a_postgresql_restart_costs_no_batch_and_keeps_the_order(restartable):
    cluster, db = restartable
    numbers, refused = Numbers(db), asyncio.Event()
    numbers.writer.submit_many([1, 2])
    await numbers.writer.flush()  # the pool holds a connection the stop will break

    async def noting_refusals(batch):
        try:
            await numbers.write(batch)
        except Exception:
            refused.set()
            raise
    numbers.writer.write = noting_refusals
    await asyncio.to_thread(cluster.stop, "immediate")
    numbers.writer.submit_many([3, 4])
    flushing = asyncio.create_task(numbers.writer.flush())
    await refused.wait()
    numbers.writer.submit(5)
    await asyncio.to_thread(cluster.start)
    await flushing
    assert await numbers.stored() == [1, 2, 3, 4, 5] and numbers.writer.written == 5


async def test_a_fallback_that_fails_costs_its_batch_not_the_writer(db, caplog):
    tried = asyncio.Event()

    async def failing(batch: list[int]) -> int:
        tried.set()
        raise RuntimeError("a bug in the fallback")
    numbers = Numbers(db, fallback=failing)
    task = asyncio.create_task(numbers.writer.run())
    numbers.writer.submit_many([7, 7])  # refused: the fallback's turn
    await tried.wait()
    numbers.writer.submit(8)
    await numbers.written.wait()
    assert await numbers.stored() == [8] and not task.done()
    assert "numbers batch lost" in [r.getMessage() for r in caplog.records]
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
