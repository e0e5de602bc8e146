"""Listening to recordings in tests: how loud a tone is in a file (sox), and where it is
silent, so a test can tell the caller's voice from the agent's and find a pause."""
import re
import subprocess
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
