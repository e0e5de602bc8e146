"""Spoken greetings for sipp customers who answer an outbound call: people ("喂？", "Hello,
this is Li speaking.") and answering machines (voicemail greetings of 3-10 s), spoken by
espeak-ng in Mandarin or English, in varied voices, speeds, pitches and loudness, with the pause
before the first word and after it that people and machines leave. Answering-machine detection
is measured on them (tests/pbx/test_amd_on_pbx.py, bench/amd_voices.py).

The population's composition is here and only here (PEOPLE, MACHINES, `population`): seeded,
so a measure on the same size and seed hears the same greetings. The audio is made at run time
(espeak-ng speaks, sox converts to 8 kHz) into a folder the caller gives, cached there by what
makes each greeting."""
from __future__ import annotations

import hashlib
import random
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from asterisk.sipp_phone import write_rtp_pcap

Kind = Literal["person", "machine"]
RATE = 8000
BYTES_PER_MS = RATE * 2 // 1000  # 16-bit linear
# espeak-ng 1.51's plain "cmn" reads many hanzi as English-spelled pinyin (see ivr/speech.py)
ZH_VOICES = ("cmn-latn-pinyin", "cmn-latn-pinyin+f2", "cmn-latn-pinyin+f4",
             "cmn-latn-pinyin+m3", "cmn-latn-pinyin+m7", "cmn-latn-pinyin+f5")
EN_VOICES = ("en-us", "en-gb+f3", "en-us+m3", "en-gb-x-rp+f2", "en-us+f4", "en-gb+m7")
# espeak-ng's words a minute: about 4 syllables a second in Mandarin, a brisk English
SPEEDS = {"zh": (190, 260), "en": (140, 200)}
TOOL_TIMEOUT_S = 30


@dataclass(frozen=True)
class Phrase:
    """Silence, then words spoken."""

    pause_ms: int
    text: str


@dataclass(frozen=True)
class Greeting:
    """What the customer's side sends from the answer on: phrases, an optional beep (a
    machine's "leave a message after the tone"), then silence (a person listening, a machine
    recording) for `tail_ms`."""

    kind: Kind
    style: str  # the template it was made from, for the breakdown of what AMD said
    lang: str  # "zh" or "en"
    voice: str  # espeak-ng's -v
    speed: int  # words a minute (espeak-ng's -s)
    pitch: int  # 0-99 (espeak-ng's -p)
    level_db: int  # loudness below a peak of -3 dBFS
    phrases: tuple[Phrase, ...]
    beep: bool = False
    tail_ms: int = 8000

    @property
    def digest(self) -> str:
        return hashlib.sha256(repr(self).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Style:
    """A way of answering: its share of its kind and what is said (in the language of its
    first phrase). Each text is spoken after a pause drawn from its range (ms); the first pause
    is the wait after the answer, a later one the wait before speaking again."""

    name: str
    share: int  # parts of its kind's population
    texts: tuple[tuple[str, ...], ...]  # choices of phrase sequences
    pauses: tuple[tuple[int, int], ...]  # one range per phrase
    beep: float = 0.0  # the chance of a beep after the words


# People who pick up: Chinese retailers and English speakers, a short answer, then they listen.
PEOPLE: tuple[Style, ...] = (
    Style("喂", 20, (("喂？",), ("喂。",), ("喂，喂？",)), ((200, 1200),)),
    Style("喂你好", 20, (("喂，你好。",), ("你好。",), ("喂，您好！",)), ((200, 1200),)),
    Style("你好哪位", 15, (("你好，哪位？",), ("喂，哪位啊？",), ("喂，你好，请问哪位？",)),
          ((200, 1200),)),
    Style("shop name", 10, (("喂，你好，金星商行。",), ("你好，华联超市，请讲。",)),
          ((200, 1000),)),
    Style("again", 10, (("喂？", "喂？听得到吗？"), ("喂，你好。", "喂？哪位？")),
          ((200, 1000), (1500, 3000))),  # nobody spoke: they say it again
    Style("slow to speak", 5, (("喂？",), ("喂，你好。",)), ((1500, 2400),)),
    Style("waits for the caller", 3, (("喂？",),), ((2600, 3500),)),
    Style("hello", 10, (("Hello?",), ("Hi.",), ("Yeah, hello?",)), ((200, 1200),)),
    Style("hello name", 7, (("Hello, this is Li speaking.",),
                                  ("Good morning, Golden Star Trading.",)), ((200, 1000),)),
)
# Answering machines: a voicemail greeting of 3-10 s, some ending in a beep, some after a long
# silence, some whose owner paused after saying hello.
MACHINES: tuple[Style, ...] = (
    Style("carrier", 25, (("您好，您拨打的电话暂时无人接听，请在提示音后留言。",),
                                ("您好，您拨打的用户暂时无法接听，请在嘀声后留言，挂机请按井号键。",)),
          ((200, 800),), beep=0.6),
    Style("own zh", 25, (("你好，我是金星商行的李伟，现在不方便接听电话，"
                          "请留言，我会尽快回复您。",),
                               ("您好，这里是华联超市，现在没有人接听，有事请在提示音后留言，谢谢。",)),
          ((200, 800),), beep=0.5),
    Style("own en", 20, (("Hi, you've reached Li Wei at Golden Star Trading. I can't take "
                                "your call right now, please leave a message after the tone.",),
                               ("Hello, you have reached the voicemail of one three eight, zero "
                                "zero one zero. Please leave a message after the tone.",)),
          ((200, 800),), beep=0.6),
    Style("leading silence", 15, (("您好，您拨打的电话暂时无人接听，请在提示音后留言。",),
                                        ("Hi, you've reached Golden Star Trading. Please leave "
                                         "a message after the tone.",)),
          ((1500, 4000),), beep=0.5),
    Style("hello, pause", 15, (("Hello?", "Hi, this is Li. I can't come to the phone "
                                      "right now, leave a message after the beep."),
                                     ("喂，你好。", "我现在不方便接电话，请在提示音后留言。")),
          ((200, 800), (900, 1600)), beep=0.5),
)


def population(size: int, seed: int = 26, people_share: float = 0.6) -> list[Greeting]:
    """`size` greetings, people first then machines (`people_share` of them people), each
    kind's styles in proportion to their shares, every other choice drawn from `seed`."""
    rng = random.Random(seed)
    people = round(size * people_share)
    return [*_of_kind("person", PEOPLE, people, rng),
            *_of_kind("machine", MACHINES, size - people, rng)]


def _of_kind(kind: Kind, styles: tuple[Style, ...], count: int,
             rng: random.Random) -> list[Greeting]:
    total = sum(s.share for s in styles)
    # largest remainders: every style gets its share of `count`, rounded as fairly as can be
    exact = [count * s.share / total for s in styles]
    counts = [int(x) for x in exact]
    for i in sorted(range(len(styles)), key=lambda i: counts[i] - exact[i])[:count - sum(counts)]:
        counts[i] += 1
    out = []
    for style, n in zip(styles, counts, strict=True):
        for _ in range(n):
            out.append(_greeting(kind, style, rng))
    return out


def _greeting(kind: Kind, style: Style, rng: random.Random) -> Greeting:
    texts = rng.choice(style.texts)
    lang = "zh" if _is_zh(texts[0]) else "en"
    phrases = tuple(Phrase(rng.randint(*style.pauses[i]), t) for i, t in enumerate(texts))
    return Greeting(kind=kind, style=style.name, lang=lang,
                    voice=rng.choice(ZH_VOICES if lang == "zh" else EN_VOICES),
                    speed=rng.randint(*SPEEDS[lang]), pitch=rng.randint(25, 75),
                    level_db=rng.randint(4, 16), phrases=phrases,
                    beep=rng.random() < style.beep,
                    tail_ms=8000 if kind == "person" else 3000)


def _is_zh(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def greeting_pcaps(folder: Path, greetings: list[Greeting], workers: int = 4) -> list[Path]:
    """Each greeting's capture (greeting_pcap), made `workers` at a time."""
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(lambda g: greeting_pcap(folder, g), greetings))


def greeting_pcap(folder: Path, greeting: Greeting) -> Path:
    """The greeting as an RTP capture (A-law, 20 ms packets, no gap) for sipp's
    play_pcap_audio, made once per folder."""
    path = folder / f"greeting-{greeting.digest}.pcap"
    if not path.exists():
        write_rtp_pcap(path, _alaw(greeting_audio(greeting)))
    return path


def greeting_audio(greeting: Greeting) -> bytes:
    """8 kHz 16-bit linear audio of the whole greeting."""
    parts = []
    for phrase in greeting.phrases:
        parts += [_silence(phrase.pause_ms), _speech(greeting, phrase.text)]
    if greeting.beep:
        parts += [_silence(300), _sox_linear(["-n"], ["synth", "0.5", "sine", "1000",
                                                      "vol", "0.3"])]
    parts.append(_silence(greeting.tail_ms))
    return b"".join(parts)


def greeting_ms(greeting: Greeting) -> int:
    """How long the greeting plays, from the answer on."""
    return len(greeting_audio(greeting)) // BYTES_PER_MS


def _silence(ms: int) -> bytes:
    return b"\0" * (ms * BYTES_PER_MS)


def _speech(g: Greeting, text: str) -> bytes:
    wav = subprocess.run(["espeak-ng", "-v", g.voice, "-s", str(g.speed), "-p", str(g.pitch),
                          "--stdout", text], check=True, capture_output=True,
                         timeout=TOOL_TIMEOUT_S).stdout
    # trim espeak-ng's own silence at both ends: the phrase's pause is the silence before it
    trim = ["silence", "1", "0.02", "0.5%"]
    return _sox_linear(["-t", "wav", "-"], [*trim, "reverse", *trim, "reverse",
                                            "gain", "-n", str(-3 - g.level_db)], wav)


def _sox_linear(source: list[str], effects: list[str], stdin: bytes | None = None) -> bytes:
    return subprocess.run(
        ["sox", "-R", *source, "-r", str(RATE), "-c", "1", "-b", "16", "-e", "signed-integer",
         "-t", "raw", "-", *effects], input=stdin, check=True, capture_output=True,
        timeout=TOOL_TIMEOUT_S).stdout


def _alaw(linear: bytes) -> bytes:
    audio = subprocess.run(
        ["sox", "-R", "-t", "raw", "-r", str(RATE), "-c", "1", "-b", "16", "-e",
         "signed-integer", "-", "-t", "al", "-"], input=linear, check=True,
        capture_output=True, timeout=TOOL_TIMEOUT_S).stdout
    return audio[:len(audio) - len(audio) % 160]  # whole 20 ms packets
