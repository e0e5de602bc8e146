"""The dialer's pacers in the simulator (pure, no PBX): the simulator is deterministic for a
seed and gives every pacer the same customers; progressive never abandons; no pacer goes over
the lines-per-agent cap; the predictive keeps its abandons near the target while keeping agents
busier than progressive; scenarios are files and a wrong key is named."""
import dataclasses
import json

import pytest

from dialer.pacing import AgentPhase, AgentView, PacingView, Predictive, Progressive, Ratio
from dialer.simulator import Clairvoyant, Customers, Scenario, Simulation

SHORT = Scenario(agents=10, hours=1.0)


def test_a_seed_gives_the_same_day_and_every_pacer_the_same_customers():
    one = Simulation(SHORT, Predictive(), 7).run()
    again = Simulation(SHORT, Predictive(), 7).run()
    assert dataclasses.asdict(one) == dataclasses.asdict(again)
    assert dataclasses.asdict(Simulation(SHORT, Predictive(), 8).run()) != dataclasses.asdict(one)
    assert [Customers(SHORT, 3)[k] for k in range(50)] == [Customers(SHORT, 3)[k]
                                                           for k in range(50)]


def test_progressive_never_abandons_and_predictive_keeps_agents_busier():
    progressive = Simulation(SHORT, Progressive(), 1).run()
    predictive = Simulation(SHORT, Predictive(), 1).run()
    ceiling = Simulation(SHORT, Clairvoyant(), 1).run()
    assert progressive.abandoned == 0 and ceiling.abandoned == 0
    assert progressive.occupancy < predictive.occupancy < ceiling.occupancy
    assert predictive.abandon_rate <= 0.06  # one short hour: the day's figure is the bench's


@pytest.mark.parametrize("pacer", [Progressive, Ratio, Predictive])
def test_no_pacer_dials_over_the_line_cap(pacer):
    agents = [AgentView(AgentPhase.FREE, 30.0)] * 4
    view = PacingView(100.0, agents, ringing=[1.0] * 10, wrap_seconds=15, ring_seconds=20,
                      max_lines_per_agent=3.0)
    assert pacer().dials(view) <= 2
    assert pacer().dials(dataclasses.replace(view, free_trunks=0)) == 0
    assert pacer().dials(dataclasses.replace(view, agents=[])) == 0


def test_predictive_dials_nothing_while_every_agent_talks_on_with_calls_ringing():
    talking = [AgentView(AgentPhase.TALK, 5.0)] * 5
    view = PacingView(100.0, talking, ringing=[2.0] * 5, wrap_seconds=15, ring_seconds=20)
    assert Predictive().dials(view) == 0
    free = dataclasses.replace(view, agents=[AgentView(AgentPhase.FREE, 10.0)] * 5, ringing=[])
    assert Predictive().dials(free) >= 5  # with one live answer in four, more than one each


def test_agents_join_and_leave_during_the_shift():
    changing = dataclasses.replace(SHORT, changes=((0.25, 4), (0.5, 12)))
    sim = Simulation(changing, Predictive(), 2)
    result = sim.run()
    hours = 0.25 * 10 + 0.25 * 4 + 0.5 * 12
    # agents who leave first finish the call they are on
    assert hours <= result.staffed_seconds / 3600 <= hours + 6 * 600 / 3600
    assert sum(a.logged_in for a in sim.agents) == 12


def test_scenarios_are_files_and_unknown_keys_are_named(tmp_path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"name": "x", "agents": 5, "changes": [[1, 8]]}))
    s = Scenario.load(path)
    assert s.agents == 5 and s.agents_at(0.5) == 5 and s.agents_at(1.5) == 8
    path.write_text(json.dumps({"agent": 5}))
    with pytest.raises(ValueError, match="agent"):
        Scenario.load(path)
