"""The prompt catalogue: texts, how numbers, amounts and dates are said, the built sound files."""
import array
import ast
import math
import re
import shutil
import time
import wave
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ivr import prompts, speech
from ivr.prompts import (
    LANGUAGES,
    MAX_NUMBER,
    PROMPTS,
    TONES,
    menu_keys,
    say_amount,
    say_date,
    say_digits,
    say_number,
)
from ivr.speech import PromptBuildError, build_prompts, prompt_path
from models.orders import OrderStatus

BUSINESS_TYPES = ("order", "complaint", "consultation", "logistics", "self_service", "operator")


def zh(keys: list[str]) -> str:
    return "".join(PROMPTS[k]["zh"] for k in keys)


def en(keys: list[str]) -> str:
    return " ".join(PROMPTS[k]["en"] for k in keys)


def all_exist(keys: list[str], lang: str) -> bool:
    return all(lang in PROMPTS.get(k, {}) for k in keys)


# -- the catalogue ----------------------------------------------------------------------------

def flow_keys() -> set[str]:
    """The prompt keys written out in ivr/flow.py: its string constants that are keys, or are
    shaped like one ("pin-wrong") so that a key the catalogue lacks is caught too."""
    tree = ast.parse((Path(prompts.__file__).parent / "flow.py").read_text())
    strings = {n.value for n in ast.walk(tree)
               if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    return {s for s in strings if s in PROMPTS or re.fullmatch(r"[a-z]+(-[a-z0-9]+)+", s)}


def test_the_flow_prompts_and_statuses_and_business_types_exist_in_both_languages():
    used = flow_keys() | {f"status-{s}" for s in OrderStatus} | {f"bt-{c}" for c in BUSINESS_TYPES}
    assert {"welcome", "enter-card", "confirm-store-2", "beep"} <= used
    for key in used:
        assert set(PROMPTS.get(key, {})) == set(LANGUAGES), key


def test_every_text_is_a_non_empty_string_of_a_known_language():
    for key, texts in PROMPTS.items():
        assert texts and set(texts) <= set(LANGUAGES), key
        for text in texts.values():
            assert isinstance(text, str) and (text.strip() or key in TONES), key
    assert set(TONES) <= set(PROMPTS) and all(not t for k in TONES for t in PROMPTS[k].values())
    assert PROMPTS["for-english"]["zh"] == PROMPTS["for-english"]["en"] == "For English, press 9."


# -- numbers, amounts, dates, menus -----------------------------------------------------------

@pytest.mark.parametrize("n,said", [
    (0, "零"), (7, "七"), (10, "十"), (11, "十一"), (20, "二十"), (99, "九十九"), (100, "一百"),
    (101, "一百零一"), (110, "一百一十"), (111, "一百一十一"), (1000, "一千"), (1005, "一千零五"),
    (1050, "一千零五十"), (1500, "一千五百"), (2000, "二千"), (10010, "一万零一十"),
    (10100, "一万零一百"), (20000, "二万"), (100000, "十万"), (110000, "十一万"),
    (123456, "十二万三千四百五十六"), (1001000, "一百万一千"), (1010000, "一百零一万"),
    (10000001, "一千万零一"), (99999999, "九千九百九十九万九千九百九十九"),
])
def test_chinese_numbers(n, said):
    assert zh(say_number(n, "zh")) == said


@pytest.mark.parametrize("n,said", [
    (0, "zero"), (7, "seven"), (10, "ten"), (11, "eleven"), (19, "nineteen"), (20, "twenty"),
    (21, "twenty one"), (100, "one hundred"), (101, "one hundred one"), (105, "one hundred five"),
    (110, "one hundred ten"), (1000, "one thousand"), (1005, "one thousand five"),
    (10010, "ten thousand ten"), (12345, "twelve thousand three hundred forty five"),
    (20000, "twenty thousand"),
    (123456, "one hundred twenty three thousand four hundred fifty six"),
    (1000000, "one million"), (1000001, "one million one"),
    (99999999, "ninety nine million nine hundred ninety nine thousand nine hundred ninety nine"),
])
def test_english_numbers(n, said):
    assert en(say_number(n, "en")) == said


@pytest.mark.parametrize("bad", [-1, MAX_NUMBER + 1])
def test_numbers_out_of_range_are_refused(bad):
    for lang in LANGUAGES:
        with pytest.raises(ValueError):
            say_number(bad, lang)


def test_an_unknown_language_is_refused():
    with pytest.raises(ValueError, match="language"):
        say_number(1, "fr")


def test_digits_one_by_one():
    assert say_digits("0701", "zh") == ["digit-0", "digit-7", "digit-0", "digit-1"]
    assert en(say_digits("42", "en")) == "four two" and say_digits("", "en") == []
    for bad in ("12a", "1 2", "٣"):
        with pytest.raises(ValueError):
            say_digits(bad, "zh")


@pytest.mark.parametrize("amount,said_zh,said_en", [
    ("123.45", "一百二十三点四五元", "one hundred twenty three point four five yuan"),
    ("1200.00", "一千二百元", "one thousand two hundred yuan"),
    ("1200", "一千二百元", "one thousand two hundred yuan"),
    ("0", "零元", "zero yuan"),
    ("0.05", "零点零五元", "zero point zero five yuan"),
    ("10.5", "十点五零元", "ten point five zero yuan"),
    ("3.456", "三点四六元", "three point four six yuan"),  # to the fen, half up
    ("20010.01", "二万零一十点零一元", "twenty thousand ten point zero one yuan"),
])
def test_amounts(amount, said_zh, said_en):
    assert zh(say_amount(Decimal(amount), "zh")) == said_zh
    assert en(say_amount(Decimal(amount), "en")) == said_en


def test_a_negative_amount_is_refused():
    with pytest.raises(ValueError):
        say_amount(Decimal("-1"), "zh")


@pytest.mark.parametrize("day,said_zh,said_en", [
    (date(2026, 11, 21), "二零二六年十一月二十一日", "November twenty one two thousand twenty six"),
    (date(2025, 1, 1), "二零二五年一月一日", "January one two thousand twenty five"),
    (date(2030, 10, 10), "二零三零年十月十日", "October ten two thousand thirty"),
    (date(2009, 12, 31), "二零零九年十二月三十一日", "December thirty one two thousand nine"),
])
def test_dates(day, said_zh, said_en):
    assert zh(say_date(day, "zh")) == said_zh
    assert en(say_date(day, "en")) == said_en


def test_menu_is_said_from_data():
    menu = (("order", "1"), ("complaint", "2"), ("operator", "0"))
    assert menu_keys(menu, "zh") == ["bt-order", "press", "digit-1", "bt-complaint", "press",
                                     "digit-2", "bt-operator", "press", "digit-0"]
    assert en(menu_keys(menu[:1], "en")) == "For orders, press one"


def test_an_added_business_type_is_said_by_its_own_prompt():
    menu = (("order", "1"), ("recycling", "6"))
    assert menu_keys(menu, "zh", own_prompts={"recycling"})[3:] == ["bt-recycling", "press",
                                                                    "digit-6"]


def test_menu_items_that_cannot_be_said_are_left_out(caplog):
    menu = (("order", "1"), ("recycling", "6"), ("complaint", "*"))
    assert menu_keys(menu, "en") == ["bt-order", "press", "digit-1"]
    assert "recycling" in caplog.text


# -- properties: whatever is said exists, and means the value ---------------------------------

def zh_value(keys: list[str]) -> int:
    total = section = digit = 0
    for k in keys:
        if k.startswith("digit-"):
            digit = int(k.removeprefix("digit-"))
        elif k == "num-10000":
            total, section, digit = (section + digit) * 10000, 0, 0
        else:  # 十 百 千; a leading 十 means one ten
            section, digit = section + (digit or 1) * int(k.removeprefix("num-")), 0
    return total + section + digit


def en_value(keys: list[str]) -> int:
    total = current = 0
    for k in keys:
        n = int(k.split("-")[1])
        if k == "num-100":
            current *= 100
        elif k in ("num-1000", "num-1000000"):
            total, current = total + current * n, 0
        else:
            current += n
    return total + current


@given(st.integers(0, MAX_NUMBER))
def test_every_number_is_said_with_existing_keys_and_means_itself(n):
    said_zh, said_en = say_number(n, "zh"), say_number(n, "en")
    assert all_exist(said_zh, "zh") and all_exist(said_en, "en")
    assert zh_value(said_zh) == n and en_value(said_en) == n
    text = zh(said_zh)
    assert "零零" not in text and not text.startswith("一十")
    assert n == 0 or not text.endswith("零")


@given(st.dates())
def test_every_date_is_said_with_existing_keys(day):
    for lang in LANGUAGES:
        assert all_exist(say_date(day, lang), lang)
    assert f"month-{day.month}" in say_date(day, "en")


@given(st.decimals(min_value=0, max_value=Decimal("99999999.99"), places=2))
def test_every_amount_is_said_with_existing_keys_and_means_itself(amount):
    for lang, value in (("zh", zh_value), ("en", en_value)):
        keys = say_amount(amount, lang)
        assert all_exist(keys, lang) and keys[-1] == "yuan"
        whole, _, fen = " ".join(keys[:-1]).partition(" point ")
        assert value(whole.split()) == int(amount)
        assert (fen or "digit-0 digit-0") == " ".join(say_digits(f"{amount % 1 * 100:02.0f}", lang))


@given(st.lists(st.tuples(st.sampled_from(BUSINESS_TYPES), st.sampled_from("0123456789")),
                max_size=8))
def test_every_menu_is_said_with_existing_keys(items):
    for lang in LANGUAGES:
        keys = menu_keys(items, lang)
        assert all_exist(keys, lang) and len(keys) == 3 * len(items)


# -- the sound files --------------------------------------------------------------------------

SUBSET = ("welcome", "for-english", "digit-1", "num-10000", "month-1", "beep")


def expected_files(keys=SUBSET) -> list[tuple[str, str]]:
    return [(lang, key) for key in keys for lang in LANGUAGES if lang in PROMPTS[key]]


def read_wav(path: Path) -> tuple[int, int, int, int, int]:
    """rate, channels, sample width, frames, peak amplitude."""
    with wave.open(str(path), "rb") as w:
        frames = w.readframes(w.getnframes())
        params = w.getframerate(), w.getnchannels(), w.getsampwidth(), w.getnframes()
    samples = array.array("h", frames)
    return *params, max((abs(s) for s in samples), default=0)


def write_wav(path: Path, rate: int, channels: int, seconds: float, hz: float = 440.0) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    one = [int(12000 * math.sin(2 * math.pi * hz * i / rate)) for i in range(int(rate * seconds))]
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(array.array("h", [s for s in one for _ in range(channels)]).tobytes())


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("prompts")
    counts = build_prompts(dest, keys=SUBSET)
    assert counts == {"generated": len(expected_files()), "cached": 0, "custom": 0}
    return dest


@pytest.fixture
def dest(built, tmp_path) -> Path:
    """A copy of the built prompts, manifest included, for a test to change."""
    return Path(shutil.copytree(built, tmp_path / "prompts"))


def test_built_files_are_8khz_mono_16bit_wav_with_sound(built):
    for lang, key in expected_files():
        rate, channels, width, frames, peak = read_wav(prompt_path(built, lang, key))
        assert (rate, channels, width) == (8000, 1, 2), (lang, key)
        assert frames > 800 and peak > 8000, (lang, key)  # over 0.1 s, and not near-silent
    assert not (built / "en" / "num-10000.wav").exists()
    assert not (built / "zh" / "month-1.wav").exists()
    assert read_wav(prompt_path(built, "zh", "beep"))[3] == int(8000 * TONES["beep"][1])


def test_a_second_build_is_all_cached_and_quick(dest):
    started = time.perf_counter()
    counts = build_prompts(dest, keys=SUBSET)
    assert time.perf_counter() - started < 1.0
    assert counts == {"generated": 0, "cached": len(expected_files()), "custom": 0}


def test_a_custom_recording_wins_is_converted_and_cached(dest, tmp_path):
    custom = tmp_path / "custom"
    write_wav(prompt_path(custom, "en", "welcome"), rate=44100, channels=2, seconds=0.5)
    counts = build_prompts(dest, custom, keys=SUBSET)
    assert counts == {"generated": 0, "cached": len(expected_files()) - 1, "custom": 1}
    rate, channels, width, frames, peak = read_wav(prompt_path(dest, "en", "welcome"))
    assert (rate, channels, width) == (8000, 1, 2) and abs(frames - 4000) < 50 and peak > 8000
    assert build_prompts(dest, custom, keys=SUBSET)["cached"] == len(expected_files())

    write_wav(prompt_path(custom, "en", "welcome"), rate=16000, channels=1, seconds=0.25)
    assert build_prompts(dest, custom, keys=SUBSET)["custom"] == 1
    assert abs(read_wav(prompt_path(dest, "en", "welcome"))[3] - 2000) < 50

    prompt_path(custom, "en", "welcome").unlink()  # back to the generated prompt
    assert build_prompts(dest, custom, keys=SUBSET)["generated"] == 1
    assert read_wav(prompt_path(dest, "en", "welcome"))[3] > 8000


def test_a_changed_text_rebuilds_only_that_file(dest, monkeypatch):
    before = {(lang, key): prompt_path(dest, lang, key).stat().st_mtime_ns
              for lang, key in expected_files()}
    monkeypatch.setitem(PROMPTS, "welcome", {**PROMPTS["welcome"], "en": "Hello, retailer."})
    counts = build_prompts(dest, keys=SUBSET)
    assert counts == {"generated": 1, "cached": len(expected_files()) - 1, "custom": 0}
    changed = {f for f, mtime in before.items() if prompt_path(dest, *f).stat().st_mtime_ns
               != mtime}
    assert changed == {("en", "welcome")}


def test_force_rebuilds_everything_asked_for(dest):
    counts = build_prompts(dest, force=True, keys=["digit-1"])
    assert counts == {"generated": 2, "cached": 0, "custom": 0}
    assert build_prompts(dest, keys=SUBSET)["cached"] == len(expected_files())


def test_a_missing_tool_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(PromptBuildError, match="espeak-ng is not installed"):
        build_prompts(tmp_path / "out", keys=["welcome"])


def test_unknown_keys_are_refused(tmp_path):
    with pytest.raises(ValueError, match="no-such-prompt"):
        build_prompts(tmp_path, keys=["no-such-prompt"])


def test_speech_and_prompts_agree_on_languages():
    assert set(speech.VOICES) == set(LANGUAGES)
