"""Answering-machine detection as a campaign uses it: AMD()'s parameters, and the estimate of
its false positives (people it takes for machines and drops: abandoned calls as the regulator
counts them) from the campaign's own calls. Pure code.

The evidence that a call AMD dropped as a machine had a person on it:
- a sample: a share of the calls AMD takes for machines is kept on and passed to an agent, who
  says by the disposition whether a person was there (`answering_machine`: nobody; any other
  disposition: a person). Its share of people, over every call AMD dropped, is the estimate.
- a later call to the same number (a redial, a callback) that a person answered and an agent
  handled: a person certainly answers that number. Only some dropped calls are called again, so
  this counts the people dropped from below.

Until MIN_CHECKED sampled calls have been checked, the campaign's configured estimate is the
floor: the measure may raise the estimate (known people dropped) but not lower it."""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Literal

Source = Literal["configured", "measured"]
Standing = Literal["ok", "near", "over"]

MIN_CHECKED = 100  # sampled machine calls checked by agents before the measure alone is used

# (default as amd.conf has it, lowest, highest); milliseconds but a count of words and an energy
PARAMETERS: dict[str, tuple[int, int, int]] = {
    "initial_silence": (2500, 500, 10000),  # silence before a greeting: longer is a machine
    "greeting": (1500, 500, 10000),  # a greeting longer than this is a machine's
    "after_greeting_silence": (800, 100, 5000),  # silence after the greeting: a person's
    "total_analysis_time": (5000, 1000, 30000),  # undecided by then: NOTSURE (a person)
    "min_word_length": (100, 10, 1000),  # voice shorter than this is not a word
    "between_words_silence": (50, 10, 1000),  # silence that ends a word
    "maximum_number_of_words": (3, 1, 20),  # more words than this is a machine
    "silence_threshold": (256, 1, 32767),  # average energy below which a frame is silence
    "maximum_word_length": (5000, 500, 30000),  # a word longer than this is a machine's
}

# What a campaign may set instead of amd.conf's defaults, measured on spoken greetings on the
# PBX (bench/amd_voices.py, tests/pbx/test_amd_on_pbx.py). AMD counts words by the silences
# between them, and spoken Mandarin leaves one between most syllables: a retailer answering
# "喂，你好，金星商行" says up to seven, so 3 (or 5) words drop people; a machine is still
# caught by its 2.5 s of voice. People who wait for the caller to
# speak first stay silent 2.6-3.5 s, which 2.5 s took for a machine's silence; the longer
# analysis leaves a machine after 4 s of silence the time to show its greeting.
TUNED: dict[str, int] = {"greeting": 2500, "maximum_number_of_words": 8,
                         "initial_silence": 4000, "total_analysis_time": 7000}


@dataclass(frozen=True)
class AmdSettings:
    """AMD()'s arguments, in the order it takes them."""

    initial_silence: int = 2500
    greeting: int = 1500
    after_greeting_silence: int = 800
    total_analysis_time: int = 5000
    min_word_length: int = 100
    between_words_silence: int = 50
    maximum_number_of_words: int = 3
    silence_threshold: int = 256
    maximum_word_length: int = 5000

    @classmethod
    def of(cls, stored: dict[str, int] | None) -> AmdSettings:
        """From a campaign's stored parameters (a name left out: amd.conf's default)."""
        return cls(**{k: int(v) for k, v in (stored or {}).items() if k in PARAMETERS})

    def arguments(self) -> list[int]:
        return [getattr(self, f.name) for f in fields(self)]


def settings_problem(amd: AmdSettings) -> tuple[str, str] | None:
    """(the parameter, why) when the parameters cannot work together: AMD gives up at the total
    analysis time, so a silence or greeting it must wait out longer can never be measured."""
    for name in ("initial_silence", "greeting"):
        if getattr(amd, name) >= amd.total_analysis_time:
            return "total_analysis_time", (
                f"total_analysis_time ({amd.total_analysis_time} ms) must be longer than "
                f"{name} ({getattr(amd, name)} ms)")
    return None


@dataclass(frozen=True)
class AmdEvidence:
    """A campaign's calls as the estimate reads them."""

    answered: int = 0  # passed to agents as people (AMD's checked calls included)
    answered_machines: int = 0  # of those, an agent said a machine was there
    dropped: int = 0  # AMD said machine and the call was hung up
    checked: int = 0  # AMD said machine, kept on, and the agent gave a disposition
    checked_people: int = 0  # of those, a person was there
    redialed_people: int = 0  # dropped calls whose number a person answered later


@dataclass(frozen=True)
class AmdEstimate:
    rate: float  # the share of people answering that AMD drops
    source: Source
    calls: int  # the calls the measure rests on: checked, and dropped then answered by a person
    measured: float | None  # what the evidence alone says, None without any


def estimate(configured: float, e: AmdEvidence) -> AmdEstimate:
    """The false-positive rate to count in the abandon rate: people dropped over people
    answering (dropped and passed), as `dialer.pacing.dialer_target` takes it."""
    people = max(0, e.answered - e.answered_machines)
    known = min(e.redialed_people, e.dropped)
    calls = e.checked + known
    measured = None
    if e.checked:
        share = max(e.checked_people / e.checked, known / e.dropped if e.dropped else 0.0)
        measured = _rate(share * e.dropped, people)
    elif known:
        measured = _rate(known, people)
    if e.checked >= MIN_CHECKED and measured is not None:
        return AmdEstimate(measured, "measured", calls, measured)
    floor = _rate(known, people) if known else 0.0  # certain, however few the checks
    if floor > configured:
        return AmdEstimate(floor, "measured", calls, measured)
    return AmdEstimate(configured, "configured", calls, measured)


def _rate(dropped_people: float, people: int) -> float:
    total = dropped_people + people
    return dropped_people / total if total else 0.0


def abandon_rate_with_amd(abandon_rate: float | None, false_positive: float) -> float | None:
    """The abandon rate as the regulator counts it: the people AMD dropped (`false_positive`
    of those answering) with the live answers no agent took (`abandon_rate` of the others)."""
    if abandon_rate is None:
        return None
    return false_positive + (1 - false_positive) * abandon_rate


@dataclass
class CheckSampler:
    """Which calls are kept on if AMD takes them for machines: `share` of them, spread evenly
    (a running credit, so a campaign's first calls are not all checked nor none)."""

    credit: float = 0.0

    def take(self, share: float) -> bool:
        if share <= 0:
            return False
        self.credit += share
        if self.credit >= 1.0:
            self.credit -= 1.0
            return True
        return False


NEAR_TARGET = 0.5  # an estimate past this share of the abandon target leaves little to dial by


def standing(rate: float, target: float) -> Standing:
    """How the estimate stands against the abandon target: "ok", "near" (past NEAR_TARGET of
    it: warned), or "over" (the people AMD drops alone reach it: the campaign runs without)."""
    if rate >= target:
        return "over"
    return "near" if rate >= NEAR_TARGET * target else "ok"
