"""The pacers as pure code, one decision at a time: no agent, no dial; never over the lines or
trunks; the predictive dials more when fewer calls answer, fewer after abandons, and ahead of
agents about to be free; its estimates count machines and busy lines among the ends of ringing
and talks still going on among the talk times; the ratio dialer goes back to 1.0 after drops;
both aim below the target by the people AMD drops, and refuse AMD when those alone reach it; the
predictive follows a list that changes within minutes, brakes on the last half hour as well as
the day, and starts a day cautiously. The half hour's brake counts abandons, not a rate: what
any 30 minutes around now can still afford, with the live answers they will have, the calls in
flight and the people AMD drops unseen, and more while abandons come close together. A machine an
agent took comes out of the live answers (the runner tells it from the disposition, once); a
jump in the live share is followed within minutes, a steady list dialed in bursts is no change;
a call in flight past the ring time may be an answer AMD is judging."""
import dataclasses
import random
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialer.pacing import (
    AgentPhase,
    AgentView,
    Learned,
    PacingView,
    Predictive,
    Preview,
    Progressive,
    Ratio,
    _largest,
    amd_allowed,
    dialer_target,
)
from dialer.plan import Plan
from dialer.runner import Dialer
from dialer.settings import DialerSettings
from models import Campaign, utcnow

FREE = AgentView(AgentPhase.FREE, 5.0)
PACERS = [Preview, Progressive, Ratio, Predictive]


def view(agents, ringing=(), **kw) -> PacingView:
    return PacingView(kw.pop("now", 100.0), list(agents), list(ringing), wrap_seconds=15,
                      ring_seconds=20, **kw)


def outcomes(pacer, calls: int, live_share: float) -> None:
    """Feed `calls` ends of ringing: live answers after 8 s, the others ring out at 20 s."""
    live = round(calls * live_share)
    for _ in range(live):
        pacer.answered(True, 8.0)
    for _ in range(calls - live):
        pacer.unanswered(20.0)


@pytest.mark.parametrize("pacer", PACERS)
def test_no_agent_logged_in_no_dial(pacer):
    assert pacer().dials(view([])) == 0
    assert pacer().dials(view([], free_trunks=50, max_lines_per_agent=5)) == 0


@pytest.mark.parametrize("pacer", PACERS)
@pytest.mark.parametrize("lines", [1.0, 1.5, 3.0])
def test_never_more_lines_than_per_agent_allows(pacer, lines):
    p = pacer()
    if isinstance(p, Predictive):
        outcomes(p, 200, 0.02)  # so few answers that it wants every line it may have
    for ringing in ([], [3.0] * 4, [3.0] * 30):
        v = view([FREE] * 10, ringing, max_lines_per_agent=lines)
        assert len(ringing) + p.dials(v) <= max(len(ringing), int(lines * 10))


@pytest.mark.parametrize("pacer", [Progressive, Ratio, Predictive])
def test_backs_off_at_the_trunk_limit(pacer):
    p = pacer()
    assert p.dials(view([FREE] * 10, free_trunks=2)) <= 2
    assert p.dials(view([FREE] * 10, free_trunks=0)) == 0
    assert p.dials(view([FREE] * 10)) > 2  # the limit, not the agents, held it back


def test_predictive_dials_more_when_fewer_calls_answer():
    often, seldom = Predictive(), Predictive()
    outcomes(often, 400, 0.40)
    outcomes(seldom, 400, 0.10)
    v = view([FREE] * 10)
    assert seldom.dials(v) > often.dials(v) >= 10


def test_predictive_counts_the_calls_ringing_and_waiting():
    p = Predictive()
    alone = p.dials(view([FREE] * 10))
    assert p.dials(view([FREE] * 10, ringing=[5.0] * 10)) < alone
    assert p.dials(view([FREE] * 10, waiting=4)) < alone


def test_predictive_dials_ahead_of_agents_about_to_be_free_and_not_of_long_talks():
    p = Predictive()
    outcomes(p, 400, 0.25)
    wrapping = view([AgentView(AgentPhase.WRAP, 10.0)] * 10)  # free in 5 s
    talking = view([AgentView(AgentPhase.TALK, 5.0)] * 10)  # just started: minutes to go
    assert p.dials(wrapping) > 0
    assert Progressive().dials(wrapping) == 0
    assert p.dials(talking) < p.dials(wrapping)


def test_predictive_dials_fewer_after_abandons():
    calm, hurt = Predictive(), Predictive()
    for p in (calm, hurt):
        outcomes(p, 1000, 0.25)
        for _ in range(230):
            p.connected()
    for _ in range(5):  # a few: the aim steps down with each
        hurt.abandoned()
    v = view([FREE] * 20, ringing=[4.0] * 20, max_lines_per_agent=6)
    assert hurt.aim() < calm.aim() * 0.7
    stepped_down = hurt.dials(v)
    assert stepped_down < calm.dials(v)
    for _ in range(15):  # 20 of 250 live answers today: 8 %, over the target
        hurt.abandoned()
    assert hurt.aim() < calm.aim() / 20
    assert hurt.dials(v) < stepped_down


def test_predictive_is_a_function_of_what_it_has_seen():
    a, b = Predictive(), Predictive()
    v = view([FREE] * 5 + [AgentView(AgentPhase.TALK, 80.0)] * 5, ringing=[1.0, 6.0])
    assert [a.dials(dataclasses.replace(v, now=t)) for t in (100, 101, 102)] == \
        [b.dials(dataclasses.replace(v, now=t)) for t in (100, 101, 102)]


def test_a_call_still_ringing_is_compared_with_the_calls_that_rang_as_long():
    seen = Learned(prior_weight=0)
    for live, after, count in [(True, 5.0, 25), (True, 14.0, 10), (False, 5.0, 10),  # machines
                               (False, 1.0, 5), (False, 20.0, 50)]:  # busy, no answer
        for _ in range(count):
            seen.ring_ended(live, after)
    table = seen.answer_table([10.0, 20.0], ring_seconds=20.0)
    at_ten = table[Learned.ring_bin(10.0)]
    assert at_ten[:2] == pytest.approx([10 / 60, 0.0])  # 10 live answers among 60 still ringing
    assert table[0][:2] == pytest.approx([0.25, 0.10])  # a new call: 25 and 10 in 100


def test_talks_going_on_count_in_the_talk_times():
    seen = Learned(prior_weight=0)
    for _ in range(10):
        seen.talked(30.0)
    survival = seen.talk_survival([100.0] * 10)  # ten talks past 100 s now
    assert survival[50] == pytest.approx(0.5)
    assert seen.talk_survival([])[50] == 0.0


def test_ratio_raises_its_level_while_agents_wait_and_drops_to_one_after_abandons():
    r = Ratio(interval=15.0, step=0.5)
    v = view([FREE] * 10)
    for t in (0.0, 15.0, 30.0):
        r.dials(dataclasses.replace(v, now=t))
    assert r.level == pytest.approx(2.5)
    assert r.dials(dataclasses.replace(v, now=31.0)) == 25
    for _ in range(100):
        r.answered(True, 8.0)
    for _ in range(5):  # 5 % dropped
        r.abandoned()
    assert r.dials(dataclasses.replace(v, now=45.0)) == 10  # back to one call per free agent
    assert r.level == 1.0


def test_largest_allowed_finds_the_edge_from_any_start():
    for edge in (-1, 0, 1, 7, 63, 64, 200):
        for start in (0, 1, 50, 200):
            assert _largest(lambda n, edge=edge: n <= edge, start, 200) == max(0, edge)


@given(st.floats(0.005, 0.1), st.floats(0, 1, exclude_max=True))
def test_amd_false_positives_count_in_the_abandon_rate_the_dialers_aim_at(target, share):
    fp = share * 0.2
    dialer = dialer_target(target, fp)
    if fp < target:
        assert amd_allowed(target, fp)
        # the dialer's abandons among those AMD passes plus the people AMD drops: the target
        assert fp + (1 - fp) * dialer == pytest.approx(target)
        assert Ratio(target=target, amd_false_positive=fp).drop_limit == pytest.approx(dialer)
        assert Predictive(target=target, amd_false_positive=fp).target == pytest.approx(dialer)
    else:
        assert not amd_allowed(target, fp) and dialer == 0
        assert Predictive(target=target, amd_false_positive=fp).aim() == 0


@given(st.integers(1, 500), st.floats(0.0005, 0.029))
def test_amd_is_allowed_to_a_team_whose_half_hour_its_drops_leave_room_in(agents, fp):
    """Allowed once a team is large enough, and then to every larger team; never to a team
    whose half hour its drops, at their mean and three standard deviations, fill past half."""
    allowed = amd_allowed(0.03, fp, agents, wrap_seconds=15)
    assert amd_allowed(0.03, fp)  # the team unknown: the target alone decides
    if allowed:
        assert amd_allowed(0.03, fp, agents + 1, wrap_seconds=15)


def test_the_team_amd_needs_grows_with_the_people_it_drops():
    # the smallest team allowed, talks of 120 s and 15 s of wrap-up: 40 agents take about 400
    # live answers in a half hour, where 1 % dropped are 4, 10 at three standard deviations
    for fp, smallest in ((0.001, 2), (0.005, 12), (0.01, 40), (0.02, 706)):
        assert not amd_allowed(0.03, fp, smallest - 1, wrap_seconds=15)
        assert amd_allowed(0.03, fp, smallest, wrap_seconds=15)


def live_share_of_a_new_call(p: Predictive) -> float:
    return sum(p.answer_rows[0][:len(p.ends)])


def test_predictive_follows_a_list_that_changes_within_minutes():
    p = Predictive()
    for minute in range(240):  # four hours of a list answering 12 %, 100 ends a minute
        p.dials(view([], now=60.0 * minute))
        outcomes(p, 100, 0.12)
    p.dials(view([FREE], now=240 * 60.0))
    assert live_share_of_a_new_call(p) == pytest.approx(0.12, abs=0.01)
    for minute in range(241, 271):  # then 30 %: within a quarter of an hour, most of the way
        p.dials(view([], now=60.0 * minute))
        outcomes(p, 100, 0.30)
        if minute == 255:
            p.dials(view([FREE], now=60.0 * minute))
            assert live_share_of_a_new_call(p) > 0.22
    p.dials(view([FREE], now=271 * 60.0))
    assert live_share_of_a_new_call(p) > 0.27


def test_predictive_brakes_on_the_last_half_hour_as_well_as_the_day():
    def day(abandons_late: bool) -> Predictive:
        p = Predictive()
        p.boost = 0.0
        for minute in range(360):  # six hours, 10 live answers a minute, 0.8 % abandoned
            p.dials(view([], now=60.0 * minute))
            outcomes(p, 40, 0.25)
            if (minute >= 330) == abandons_late and minute % (1 if abandons_late else 11) == 0:
                p.abandoned()
        p.boost = 0.0
        return p

    spread, late = day(False), day(True)
    assert spread.abandoned_today == late.abandoned_today == 30
    assert spread.aim() == pytest.approx(spread.target * spread.safety)  # the day is under
    assert late.aim() < spread.aim() / 10  # 30 of 300 in the last half hour: 10 %


def test_a_day_with_nothing_learned_starts_below_the_models_aim():
    """Nothing seen yet: the first half hour is judged on the live answers ten busy agents
    would have in it, counted short, and the abandons they allow are kept in hand."""
    p = Predictive()
    assert p.aim(0.0, agents=10, wrap_seconds=15) < p.target * p.safety * 0.8
    assert p.aim() < p.target * p.safety * 0.05  # no agents: no live answers to expect


@pytest.mark.parametrize("detect, target", [(True, (0.03 - 0.01) / 0.99), (False, 0.03)])
def test_a_campaigns_plan_counts_its_estimated_amd_false_positives_when_it_detects(detect, target):
    c = Campaign(name="x", purpose="promotion", windows={}, retries={}, mode="predictive",
                 starts_on=date(2026, 1, 1), caller_id="4008001234", abandon_target=0.03,
                 detect_machines=detect, amd_false_positive=0.01, agents=[])
    plan = Plan.of(c)
    assert plan.dialer_target == pytest.approx(target)
    dialer = Dialer(None, None, None, DialerSettings(), lambda number: "", "4000")
    pacer = dialer._pacer(plan, None)
    assert pacer.target == pytest.approx(target)
    assert pacer.amd_false_positive == (0.01 if detect else 0.0)  # kept in hand in the half hour


def test_the_dialer_turns_amd_off_while_too_few_agents_work_a_campaign():
    """1 % of people dropped: 10 agents at work dial without AMD (and their pacer keeps no
    drops in hand), 40 with it; the team is counted at every round."""
    c = Campaign(id=1, name="x", purpose="promotion", windows={}, retries={}, mode="predictive",
                 starts_on=date(2026, 1, 1), caller_id="4008001234", abandon_target=0.03,
                 detect_machines=True, amd_false_positive=0.01, wrap_up_seconds=15, agents=[])
    dialer = Dialer(None, None, None, DialerSettings(), lambda number: "", "4000")
    plan = dialer.plans[1] = Plan.of(c)
    pacer = dialer.pacers[1] = dialer._pacer(plan, None)
    assert plan.amd_on and pacer.amd_false_positive == 0.01  # the team not counted yet
    small = dialer._at_work(plan, 10)
    assert dialer.plans[1] is small and not small.amd_on and pacer.amd_false_positive == 0.0
    assert small.dialer_target == plan.dialer_target  # the day still counts the drops before
    large = dialer._at_work(small, 40)
    assert large.amd_on and pacer.amd_false_positive == 0.01


def half_hour(p: Predictive, live_per_minute: int, abandons: int, minutes: int = 120) -> None:
    """`minutes` of a day at `live_per_minute` live answers, then `abandons` in a row."""
    for minute in range(minutes):
        p.dials(view([], now=60.0 * minute))
        outcomes(p, live_per_minute * 4, 0.25)
    p.dials(view([], now=60.0 * minutes))
    for _ in range(abandons):
        p.abandoned()
    p.boost = 0.0


def window_brake(p: Predictive, in_flight: float = 0.0) -> float:
    return p.aim(in_flight) / (p.target * p.safety)


def test_the_half_hours_brake_counts_abandons_not_a_rate():
    """4 % of the last 30 minutes: a ten-agent team (90 live answers in them) can afford no
    more abandons before a half hour starting now is over 5 % (90 live answers expected in it,
    one standard deviation fewer: 80), so it all but stops adding calls; a hundred-agent team
    (990 live answers) can afford eight by count, but there a rate is worth trusting, and 4 %
    is over the target."""
    small, large = Predictive(), Predictive(window_echo=0.0)  # the count alone, not the burst
    half_hour(small, 3, abandons=4)
    half_hour(large, 33, abandons=40)
    assert small.aim() < small.target * small.safety * 0.05
    assert small.window.affordable(small.now, 0.0) == pytest.approx(0.05 * (90 - 90 ** 0.5) - 4)
    assert large.window.affordable(large.now, 0.0) == pytest.approx(0.05 * (990 - 990 ** 0.5) - 40)
    assert window_brake(small) < 0.05
    assert large.window_brake(0.0, 0, 0.0) == pytest.approx(1.0)
    assert window_brake(large) < 0.05  # by its rate


def test_two_abandons_in_a_small_teams_half_hour_leave_room_the_calls_in_flight_may_take():
    """Two abandons among 90 live answers (2.2 %, under the target): no brake by a rate, but
    with the losses the calls already ringing are expected to bring, the margin to 5 % is thin."""
    p = Predictive(window_reserve=1.5, window_sd=1.0, window_spread=(2.0, 2.0), window_echo=0.0)
    half_hour(p, 3, abandons=2)
    left = p.window.affordable(p.now, 0.0)
    assert left == pytest.approx(0.05 * (90 - 90 ** 0.5) - 2)  # 2.03
    assert window_brake(p) == pytest.approx((left - 1.5) / 2)  # 1.5 kept in hand
    assert window_brake(p, in_flight=0.05) == pytest.approx((left - 0.05 - 0.05 ** 0.5 - 1.5) / 2)
    assert window_brake(p, in_flight=0.5) == 0.02


def test_abandons_close_together_keep_more_in_hand_for_a_while():
    """Three abandons in a minute say the model is short now (a list or a team that changed):
    each keeps one more abandon in hand for two minutes, braking where the count alone would
    not; two minutes later only the count is left."""
    burst, count = Predictive(), Predictive(window_echo=0.0)
    for p in (burst, count):
        half_hour(p, 6, abandons=3)
    assert window_brake(count) > 0.6
    assert window_brake(burst) < window_brake(count) / 3
    for p in (burst, count):
        p.dials(view([], now=p.now + 121.0))
        p.boost = 0.0
    assert window_brake(burst) == pytest.approx(window_brake(count))


def test_the_start_of_a_day_brakes_on_counts_before_a_rate_is_worth_trusting():
    """Five abandons among the first 20 live answers: the first half hour, with the 130 or so
    live answers ten agents will have by its end, can afford at most one or two more."""
    p = Predictive()
    p.dials(view([FREE] * 10, now=0.0))
    for second in range(0, 300, 15):
        p.dials(view([], now=float(second)))
        p.answered(True, 8.0)
    for _ in range(5):
        p.abandoned()
    p.boost = 0.0
    assert p.aim() < p.target * p.safety * 0.3  # from the 20 live answers of 5 minutes
    rate = 10 / (120 + 15)  # live answers a second, ten agents all busy, before any is seen
    assert p.window.affordable(p.now, rate) < 3
    assert p.aim(0.0, agents=10, wrap_seconds=15) < p.target * p.safety * 0.3


def test_the_half_hours_brake_keeps_the_people_amd_drops_in_hand():
    """The dialer never sees the people AMD drops as machines; at 1 % of 100 people a half hour
    they may be two or three, and the window counts them."""
    seen, unseen = Predictive(), Predictive(amd_false_positive=0.01)
    for p in (seen, unseen):
        half_hour(p, 3, abandons=1)
    assert unseen.window.affordable(unseen.now, 0.0, 0.01) < \
        seen.window.affordable(seen.now, 0.0) - 2.5
    assert window_brake(unseen) < window_brake(seen)


def test_an_abandon_leaves_the_half_hours_count_thirty_minutes_later():
    p = Predictive()
    half_hour(p, 3, abandons=4)
    braked = window_brake(p)
    half_hour_later = p.now + 1800.0 + 1.0
    for minute in range(int(p.now // 60), int(half_hour_later // 60)):
        p.dials(view([], now=60.0 * minute))
        outcomes(p, 12, 0.25)
    p.dials(view([], now=half_hour_later))
    p.boost = 0.0
    assert braked == 0.02
    assert p.window.affordable(p.now, 0.0) > 4  # 5 % of the 90 or so live answers in it
    assert window_brake(p) > 0.4


def test_a_machine_an_agent_took_is_no_live_answer_for_the_abandon_rates():
    """An agent who gets a machine says so by the disposition; the pacer had counted a live
    answer, which the regulator does not: it comes out of the day's, the rolling windows' and
    the half hour's counts, so the half hour affords fewer abandons."""
    p = Predictive()
    half_hour(p, 3, abandons=2)
    live_today, rolling = p.live_today, [w.counts(p.now)[1] for w in p.windows]
    affordable = p.window.affordable(p.now, 0.0)
    for _ in range(10):
        p.machine(p.now - 30.0)
    assert p.live_today == live_today - 10
    assert [w.counts(p.now)[1] for w in p.windows] == [n - 10 for n in rolling]
    assert p.window.affordable(p.now, 0.0) < affordable - 0.4  # 5 % of 10 and their spread
    p.machine(p.now - 3 * 3600.0)  # answered before anything the half hour still holds
    assert p.window.affordable(p.now, 0.0) == pytest.approx(affordable - 0.05 * 10, abs=0.1)


def test_a_jump_in_the_live_share_is_followed_within_a_few_minutes():
    """12 % for four hours, then 30 %: the calls dialed over three minutes answering that much
    more than the share learned is no chance, and what was learned before weighs little; a
    15-minute memory alone would be at 17 % after five minutes."""
    p = Predictive()
    for minute in range(240):
        p.dials(view([], now=60.0 * minute))
        outcomes(p, 100, 0.12)
    for minute in range(240, 245):
        p.dials(view([], now=60.0 * minute))
        outcomes(p, 100, 0.30)
    p.dials(view([FREE], now=245 * 60.0))
    assert live_share_of_a_new_call(p) > 0.23


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_steady_list_dialed_in_bursts_is_no_change(seed):
    """The same 12 % list, dialed 20 or 200 calls a minute at random: nothing to follow, but
    for a chance alarm or two in a day (then the share moves up a little, the safe way)."""
    rng = random.Random(seed)
    p, alarms = Predictive(), 0
    for minute in range(480):
        p.dials(view([], now=60.0 * minute))
        for _ in range(rng.choice((20, 200))):
            if rng.random() < 0.12:
                p.answered(True, rng.uniform(2.0, 18.0))
            else:
                p.unanswered(rng.choice((1.0, 20.0)))
        alarms += p.follow_change(60.0 * minute + 30.0, 20.0)
    assert alarms <= 2
    assert p.seen.live_share() == pytest.approx(0.12, abs=0.03)


def test_the_runner_tells_its_predictive_pacer_of_each_machine_an_agent_took_once():
    """On the PBX the dialer learns from the agent's disposition (`answering_machine`, read from
    the campaign's attempts) that a call it passed as a person's was a machine: its pacer
    hears it once, at the answer's time on its own clock; not for calls dialed before it was
    there, nor for a campaign that is not predictive."""
    now = [5000.0]
    dialer = Dialer(None, None, None, DialerSettings(), lambda number: "", "4000",
                    clock=lambda: now[0])
    c = Campaign(id=1, name="x", purpose="promotion", windows={}, retries={}, mode="predictive",
                 starts_on=date(2026, 1, 1), caller_id="4008001234", abandon_target=0.03,
                 detect_machines=False, amd_false_positive=0.0, agents=[])
    pacer = dialer.pacers[1] = dialer._pacer(Plan.of(c), None)
    dialer.pacers[2] = Progressive()
    half_hour(pacer, 3, abandons=0)
    live = pacer.live_today
    started = dialer._pacing_since[1]
    answered = started + timedelta(seconds=30)
    found = [(11, 1, started + timedelta(seconds=20), answered),
             (12, 1, started - timedelta(seconds=5), answered),  # before the pacer
             (13, 2, started + timedelta(seconds=20), answered)]
    told = []
    pacer.machine = lambda at: told.append(at) or Predictive.machine(pacer, at)
    dialer.machines_taken(found)
    dialer.machines_taken(found)  # read again the next round: told once
    assert pacer.live_today == live - 1
    assert len(told) == 1
    assert told[0] == pytest.approx(now[0] - (utcnow() - answered).total_seconds(), abs=1.0)


def test_a_call_in_flight_past_the_ring_time_may_still_be_an_answer_amd_is_judging():
    """With AMD an answer reaches the dialer seconds after the PBX answered: a call still in
    flight at 21 s of a 20 s ring is one of those, if such calls have answered live before."""
    def learned(late_share: float) -> Predictive:
        p = Predictive()
        for minute in range(60):
            p.dials(view([], now=60.0 * minute))
            for i in range(100):
                if i < 25:
                    p.answered(True, 21.0 if i < 25 * late_share else 8.0)
                else:
                    p.unanswered(20.0)
        p.boost = 0.0
        return p

    judging = view([FREE] * 4, ringing=[21.0] * 6, now=3600.0)
    assert learned(0.2).dials(judging) < learned(0.0).dials(judging)


def test_the_aims_factor_cannot_wind_up_and_no_call_is_placed_likelier_lost_than_not():
    """A brake held the aim down for hours while every connected answer raised its factor:
    the factor stays within e^3, and the aim under 0.5 however high it would go."""
    p = Predictive()
    for _ in range(100_000):
        p.connected()
    assert p.boost == Predictive.BOOST_LIMIT
    p.target = 0.05
    assert p.aim(0.0, agents=100, wrap_seconds=15) == Predictive.AIM_CEILING
    for _ in range(10_000):
        p.abandoned()
    assert p.boost == -Predictive.BOOST_LIMIT


def test_calls_are_judged_likelier_to_answer_as_the_half_hours_count_runs_out():
    """Ten agents (90 live answers a half hour, five abandons): the calls are judged likelier
    to answer the fewer abandons are left, so fewer are placed than the learned chances alone
    would place; a hundred agents' half hour affords dozens, and is judged as learned."""
    def ten_agents(caution: float, abandons: int) -> tuple[int, float]:
        p = Predictive(window_caution=caution)
        half_hour(p, 3, abandons=abandons)
        agents = [AgentView(AgentPhase.TALK, 100.0)] * 4 + [FREE] * 6
        return p.dials(view(agents, now=p.now + 1)), p._likelier(p.window_brake(0.0, 10, 15))

    likelier = [ten_agents(1.5, abandons)[1] for abandons in (0, 1, 2)]
    assert 1.0 < likelier[0] < likelier[1] < likelier[2] <= 2.5
    for abandons in (0, 1):
        assert ten_agents(1.5, abandons)[0] < ten_agents(0.0, abandons)[0]
    large = Predictive()
    half_hour(large, 33, abandons=0)
    assert large._likelier(large.window_brake(0.0, 100, 15)) == 1.0


def test_the_predictive_never_places_fewer_calls_than_the_progressive():
    """The half hour's count spent, five agents free and one call ringing: a call each for four
    of them cannot be lost, whatever the brake."""
    p = Predictive()
    half_hour(p, 3, abandons=6)
    assert p.aim() < p.target * p.safety * 0.05
    assert p.dials(view([FREE] * 5, ringing=[3.0], now=p.now + 1)) >= 4
