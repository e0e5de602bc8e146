"""Answering-machine detection's false positives estimated from a campaign's calls (pure), its
parameters as AMD() takes them, and the calls kept on for an agent to check."""
import json
import re
import struct
from pathlib import Path

import pytest

from asterisk import dialplan as dp
from asterisk.config import AMD_CONF, render_extensions_conf
from asterisk.settings import AgiSettings, PbxSettings
from asterisk.sipp_phone import voice_pcap
from dialer.amd import (
    MIN_CHECKED,
    PARAMETERS,
    TUNED,
    AmdEvidence,
    AmdSettings,
    CheckSampler,
    abandon_rate_with_amd,
    estimate,
    settings_problem,
    standing,
)
from services.campaigns import AmdIn


def test_without_evidence_the_configured_estimate_is_used():
    e = estimate(0.01, AmdEvidence(answered=500, dropped=200))
    assert (e.rate, e.source, e.calls, e.measured) == (0.01, "configured", 0, None)


def test_a_sample_too_small_cannot_lower_the_configured_estimate():
    # 50 checked, none a person: the measure says 0 %, but 50 is not enough to go below 2 %
    e = estimate(0.02, AmdEvidence(answered=1000, dropped=500, checked=MIN_CHECKED // 2))
    assert (e.rate, e.source, e.measured) == (0.02, "configured", 0.0)


def test_enough_checked_calls_replace_the_configured_estimate_both_ways():
    # 100 checked machine calls, 4 had a person: 4 % of the 500 dropped are people (20),
    # over 980 people answering in all (960 passed, 20 dropped)
    evidence = AmdEvidence(answered=1000, answered_machines=40, dropped=500,
                           checked=MIN_CHECKED, checked_people=4)
    lower = estimate(0.05, evidence)
    assert lower.source == "measured" and lower.calls == MIN_CHECKED
    assert lower.rate == pytest.approx(20 / 980)
    assert estimate(0.0, evidence).rate == pytest.approx(20 / 980)  # and above a low one


def test_people_who_answered_a_later_call_raise_the_estimate_at_once():
    # 30 of the dropped numbers were answered by a person later: at least 30 people dropped,
    # whatever the configured estimate says and however few calls were checked
    evidence = AmdEvidence(answered=970, dropped=200, redialed_people=30)
    e = estimate(0.01, evidence)
    assert e.source == "measured" and e.calls == 30
    assert e.rate == pytest.approx(30 / 1000)
    assert estimate(0.05, evidence).source == "configured"  # a higher configured one stands


def test_the_sample_and_the_later_answers_each_bound_the_people_dropped():
    # the sample says 2 % of the dropped are people; the later answers prove 10 % at least
    evidence = AmdEvidence(answered=1000, dropped=300, checked=200, checked_people=4,
                           redialed_people=30)
    e = estimate(0.0, evidence)
    assert e.rate == pytest.approx(30 / 1030) and e.calls == 230


def test_the_abandon_rate_counts_the_people_amd_drops():
    # 2 % of the people dropped by AMD, 1 % of the others abandoned: 2.98 % of all people
    assert abandon_rate_with_amd(0.01, 0.02) == pytest.approx(0.0298)
    assert abandon_rate_with_amd(None, 0.02) is None
    assert abandon_rate_with_amd(0.01, 0.0) == 0.01


@pytest.mark.parametrize("rate, expected", [(0.0, "ok"), (0.014, "ok"), (0.015, "near"),
                                            (0.029, "near"), (0.03, "over"), (0.2, "over")])
def test_the_estimate_is_warned_near_the_target_and_over_it(rate, expected):
    assert standing(rate, 0.03) == expected


def test_a_share_of_the_calls_is_kept_to_check_spread_evenly():
    sampler = CheckSampler()
    taken = [sampler.take(0.02) for _ in range(500)]
    assert sum(taken) == 10 and taken.index(True) == 49
    assert not any(CheckSampler().take(0.0) for _ in range(100))


def test_the_defaults_are_amd_confs_and_the_dialplan_passes_each_in_amds_order():
    conf = dict(line.split(" = ") for line in AMD_CONF.splitlines()[1:] if line)
    assert {name: int(value) for name, value in conf.items()} == {
        name: default for name, (default, _, _) in PARAMETERS.items()}
    assert AmdSettings().arguments() == [2500, 1500, 800, 5000, 100, 50, 3, 256, 5000]
    assert AmdSettings.of({"greeting": 2000, "unknown": 1}).greeting == 2000
    dialplan = render_extensions_conf(PbxSettings(), AgiSettings())
    cuts = ",".join(f"${{CUT({dp.VAR_AMD},{dp.AMD_SEPARATOR},{i})}}" for i in range(1, 10))
    assert f"AMD({cuts})" in dialplan


def test_parameters_that_cannot_work_together_are_named():
    assert settings_problem(AmdSettings()) is None
    field, words = settings_problem(AmdSettings(greeting=6000))
    assert field == "total_analysis_time" and "greeting" in words
    assert settings_problem(AmdSettings(initial_silence=5000))[0] == "total_analysis_time"


def test_the_tuned_parameters_are_in_range_and_work_together():
    """What bench/amd_voices.py measured best on spoken greetings, as a campaign would set it."""
    for name, value in TUNED.items():
        _, lowest, highest = PARAMETERS[name]
        assert lowest <= value <= highest, name
    tuned = AmdSettings.of(TUNED)
    assert settings_problem(tuned) is None
    # more words and a longer wait before a first word than amd.conf's, the rest as amd.conf
    assert (tuned.maximum_number_of_words, tuned.initial_silence) == (8, 4000)
    assert tuned.after_greeting_silence == AmdSettings().after_greeting_silence


def test_a_new_campaign_detects_machines_with_the_tuned_parameters_in_the_api_and_the_page():
    """The API's defaults and the ops page's form are the tuned settings, amd.conf's the rest."""
    expected = {name: TUNED.get(name, default) for name, (default, _, _) in PARAMETERS.items()}
    assert AmdIn().model_dump() == expected
    page = (Path(__file__).parents[2] / "agent_api/web/ops.js").read_text()
    shown = re.search(r"const AMD_PARAMETERS = (\{.*?\});", page, re.S).group(1)
    assert json.loads(re.sub(r"(\w+):", r'"\1":', shown)) == expected


def test_a_greeting_is_a_stream_of_silence_and_voice_in_turn(tmp_path):
    """What sipp customers play when they answer: 20 ms packets without a gap, voice where the
    pattern says (A-law silence is 0xD5 or 0x55, a tone anything else)."""
    data = voice_pcap(tmp_path, (200, 600, 400)).read_bytes()
    packets, at = [], 24  # after pcap's global header
    while at < len(data):
        seconds, micros, length, _ = struct.unpack_from("<IIII", data, at)
        payload = data[at + 16 + 14 + 20 + 8 + 12: at + 16 + length]
        packets.append((seconds * 1000 + micros // 1000, payload))
        at += 16 + length
    assert [ms for ms, _ in packets] == list(range(0, 1200, 20))
    voiced = [any(b not in (0xD5, 0x55) for b in p) for _, p in packets]
    assert voiced == [False] * 10 + [True] * 30 + [False] * 20
