"""Listening to recordings in tests: how loud a tone is in a file (sox), and where it is
silent, so a test can tell the caller's voice from the agent's and find a pause."""
import asyncio
import math
import re
import subprocess
import tempfile
import wave
from array import array
from pathlib import Path

RMS_DB = re.compile(r"RMS lev dB\s+(-?[\d.]+|-inf)")


def band_db(path: Path, hz: int, start: float = 0.0, seconds: float | None = None) -> float:
    """The RMS level (dBFS) of the audio within ±60 Hz of `hz` (sox's band-pass)."""
    trim = ["trim", str(start)] + ([str(seconds)] if seconds else [])
    out = subprocess.run(["sox", str(path), "-n", *trim, "sinc", f"{hz - 60}-{hz + 60}",
                          "stats"], capture_output=True, text=True, check=True).stderr
    level = RMS_DB.search(out)
    assert level, out
    return float("-inf") if level.group(1) == "-inf" else float(level.group(1))


def heard(path: Path, hz: int, floor_db: float, window: float = 0.25) -> list[tuple[float, float]]:
    """(start, seconds) of each stretch of the file where the tone at `hz` is louder than
    `floor_db`, measured on the file's own timeline (which on a loaded machine may not follow
    the wall clock: a late recording start or lost frames shift it)."""
    with tempfile.NamedTemporaryFile(suffix=".wav") as band:
        subprocess.run(["sox", str(path), band.name, "sinc", f"{hz - 60}-{hz + 60}"], check=True)
        loud = [level > 0 and 20 * math.log10(level) > floor_db
                for level in levels(Path(band.name), window)]
    stretches, start = [], None
    for i, on in enumerate(loud + [False]):
        if on and start is None:
            start = i
        elif not on and start is not None:
            stretches.append((start * window, (i - start) * window))
            start = None
    return stretches


def levels(path: Path, window: float = 0.1) -> list[float]:
    """The RMS amplitude (0..1) of each window of a 16-bit mono WAV file."""
    with wave.open(str(path), "rb") as w:
        rate, data = w.getframerate(), array("h", w.readframes(w.getnframes()))
    size = int(rate * window)
    return [(sum(x * x for x in data[i:i + size]) / size) ** 0.5 / 32768
            for i in range(0, len(data) - size + 1, size)]


def longest_silence(path: Path, window: float = 0.1, floor: float = 0.003) -> tuple[float, float]:
    """(start, seconds) of the longest run of windows quieter than `floor`."""
    best, start = (0.0, 0.0), None
    marks = levels(path, window)
    for i, level in enumerate(marks + [1.0]):
        if level < floor:
            start = i if start is None else start
        elif start is not None:
            if (i - start) * window > best[1]:
                best = (start * window, (i - start) * window)
            start = None
    return best


def soundfile_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as w:
        return w.getnframes() / w.getframerate()


class Recorded:
    """How much audio a call's recording holds as MixMonitor writes it (16-bit, 8 kHz; its
    header is completed only at the end, so the file's size tells)."""

    BYTES_PER_SECOND = 16_000

    def __init__(self, recordings_dir: Path, linkedid: str) -> None:
        self.recordings_dir, self.linkedid = recordings_dir, linkedid

    def seconds(self) -> float:
        found = list(self.recordings_dir.rglob(f"{self.linkedid}.wav"))
        return max(0.0, (found[0].stat().st_size - 44) / self.BYTES_PER_SECOND) if found else 0.0

    async def grown(self, seconds: float, timeout: float = 30.0) -> None:
        """Until the recording holds `seconds` more than now: the caller heard that long, on the
        recording's own clock (a busy machine's wall clock runs ahead of it)."""
        until = self.seconds() + seconds
        async with asyncio.timeout(timeout):
            while self.seconds() < until:
                await asyncio.sleep(0.05)
