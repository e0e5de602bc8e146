"""The spoken greetings sipp customers answer with when AMD is measured: a seeded population of
people and machines in the shares asterisk/spoken_greetings.py declares, and each greeting's
audio as an RTP capture (espeak-ng and sox, as bin/setup installs them)."""
import struct
from collections import Counter
from pathlib import Path

import pytest

from asterisk.sipp_customers import SIPP_MAX_SCENARIO, Population, write_customers_scenario
from asterisk.spoken_greetings import (
    MACHINES,
    PEOPLE,
    Greeting,
    Phrase,
    greeting_ms,
    greeting_pcap,
    population,
)


def test_the_same_seed_gives_the_same_population_and_another_seed_another():
    assert population(50, seed=3) == population(50, seed=3)
    assert population(50, seed=3) != population(50, seed=4)


def test_each_kind_has_its_share_and_each_style_its_share_of_its_kind():
    greetings = population(200)
    kinds = Counter(g.kind for g in greetings)
    assert kinds == {"person": 120, "machine": 80}
    styles = Counter(g.style for g in greetings)
    for kind, table in (("person", PEOPLE), ("machine", MACHINES)):
        total = sum(s.share for s in table)
        for style in table:
            assert abs(styles[style.name] - kinds[kind] * style.share / total) < 1, style.name


def test_people_answer_briefly_and_machines_speak_for_seconds():
    for g in population(20):
        pauses = sum(p.pause_ms for p in g.phrases) + g.tail_ms + (800 if g.beep else 0)
        speech = greeting_ms(g) - pauses
        assert (speech < 2600) if g.kind == "person" else (3000 <= speech <= 10_000), g


def test_a_greeting_is_silence_then_speech_then_silence_in_packets_without_gap(tmp_path):
    g = Greeting(kind="person", style="喂", lang="zh", voice="cmn-latn-pinyin", speed=160, pitch=50,
                 level_db=6, phrases=(Phrase(600, "喂，你好。"),), tail_ms=2000)
    data = greeting_pcap(tmp_path, g).read_bytes()
    packets, at = [], 24  # after pcap's global header
    while at < len(data):
        seconds, micros, length, _ = struct.unpack_from("<IIII", data, at)
        payload = data[at + 16 + 14 + 20 + 8 + 12: at + 16 + length]
        packets.append((seconds * 1000 + micros // 1000, payload))
        at += 16 + length
    assert [ms for ms, _ in packets] == list(range(0, 20 * len(packets), 20))
    voiced = [i for i, (_, p) in enumerate(packets) if any(b not in (0xD5, 0x55) for b in p)]
    assert voiced[0] == 30  # the 600 ms pause
    assert 0.4 < (voiced[-1] - voiced[0]) * 0.02 < 2.0  # "喂，你好" at 160 words a minute
    assert abs(len(packets) - 1 - voiced[-1] - 2000 // 20) <= 1  # then 2 s of listening
    assert greeting_pcap(tmp_path, g).read_bytes() == data  # made once


def test_two_hundred_greetings_fit_in_the_scenario_sipp_reads_and_more_are_refused(tmp_path):
    def customers(n: int) -> Population:
        return Population(greetings=tuple((f"13{i:04d}", Path(f"greeting-{i:016x}.pcap"))
                                          for i in range(n)))
    assert write_customers_scenario(tmp_path, customers(200)).stat().st_size <= SIPP_MAX_SCENARIO
    with pytest.raises(ValueError, match="sipp reads"):
        write_customers_scenario(tmp_path, customers(400))
