"""The pure rules of work orders: status from the steps, the next step, overdue, step order,
deadlines and excerpts."""
from datetime import UTC, datetime, timedelta

from models.opinions import WorkOrderStatus, WorkOrderStep
from services.work_orders import (
    deadline,
    excerpt,
    is_overdue,
    next_step,
    step_refusal,
    work_order_status,
)

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def steps(*done: bool, due: datetime = NOW + HOUR) -> list[WorkOrderStep]:
    # given out of order on purpose: step_no decides, not the list's order
    made = [WorkOrderStep(step_no=n, description=f"step {n}", due_at=due,
                          done_at=NOW if d else None) for n, d in enumerate(done, start=1)]
    return made[::-1]


def test_a_work_order_is_open_until_every_step_is_done():
    assert work_order_status(steps(False, False)) == WorkOrderStatus.OPEN
    assert work_order_status(steps(True, False)) == WorkOrderStatus.OPEN
    assert work_order_status(steps(True, True)) == WorkOrderStatus.DONE


def test_the_next_step_is_the_lowest_numbered_open_one():
    assert next_step(steps(False, False, False)).step_no == 1
    assert next_step(steps(True, False, False)).step_no == 2
    assert next_step(steps(True, True)) is None


def test_a_step_is_overdue_when_its_deadline_passed_and_it_is_not_done():
    [late] = steps(False, due=NOW - timedelta(seconds=1))
    [on_time] = steps(False, due=NOW + timedelta(seconds=1))
    [done_late] = steps(True, due=NOW - HOUR)
    [exactly] = steps(False, due=NOW)
    assert is_overdue(late, NOW)
    assert not is_overdue(on_time, NOW)
    assert not is_overdue(done_late, NOW)
    assert not is_overdue(exactly, NOW)


def test_steps_are_completed_in_order_and_once():
    fresh = steps(False, False, False)
    assert step_refusal(fresh, 1) is None
    later = step_refusal(fresh, 2)
    assert later.rule == "step_order" and later.loc == ("path", "step_no")
    assert "step 1 comes before step 2" in later.msg
    half = steps(True, False, False)
    assert step_refusal(half, 2) is None
    assert step_refusal(half, 3).rule == "step_order"
    again = step_refusal(half, 1)
    assert again.rule == "step_not_done" and "was done" in again.msg


def test_a_deadline_is_a_time_or_hours_from_now():
    at = NOW + timedelta(days=2)
    assert deadline(at, None, NOW) == at
    assert deadline(None, 1.5, NOW) == NOW + timedelta(minutes=90)
    assert deadline(None, None, NOW) is None


def test_an_excerpt_is_short_and_says_it_is_cut():
    assert excerpt("货晚到了") == "货晚到了"
    long = "很" * 200
    cut = excerpt(long)
    assert len(cut) == 80 and cut.endswith("…") and long.startswith(cut[:-1])
