"""The prompt sound files, built at install time: espeak-ng speaks, sox converts; cached.

dest/<lang>/<key>.wav is 8 kHz 16-bit mono signed PCM, what Asterisk's format_wav plays. A recording
dropped at custom/<lang>/<key>.wav replaces the generated prompt. dest/manifest.json keeps a digest
of what made each file (text, voice, settings or the recording's content): a file whose digest has
not changed is not built again.
"""
import hashlib
import json
import os
import subprocess
import tempfile
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from ivr.prompts import LANGUAGES, PBX_SOUNDS, PROMPTS, SPOKEN_IN, TONES

MANIFEST = "manifest.json"
TOOL_TIMEOUT_S = 30
WORKERS = 2
# espeak-ng 1.51's plain "cmn" voice reads many hanzi as English-spelled pinyin ("好" -> "hao two",
# espeak-ng issue #1236); cmn-latn-pinyin speaks them right.
VOICES = {"zh": ("-v", "cmn-latn-pinyin", "-s", "150"), "en": ("-v", "en", "-s", "150")}
WAV_8K = ("-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer")
# sox -R seeds its dither: the same input gives the same bytes, so builds are reproducible
_TRIM = ("silence", "1", "0.02", "0.5%")
# trim the silence at both ends, then normalise to -3 dBFS at the final rate
SPEECH_EFFECTS = (*_TRIM, "reverse", *_TRIM, "reverse", "rate", "8000", "gain", "-n", "-3")
SENTENCE_PAUSE_S = 0.25  # after a sentence, so prompts played back to back do not run together
FORMAT_VERSION = 2  # bump to rebuild everything
MAX_RECORDING_S = 60.0  # an uploaded prompt


class PromptBuildError(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class _Job:
    lang: str
    key: str
    kind: str  # "tts", "tone" or "custom"
    digest: str
    text: str = ""
    source: Path | None = None

    @property
    def name(self) -> str:
        return f"{self.lang}/{self.key}.wav"


def prompt_path(dest: Path, lang: str, key: str) -> Path:
    return dest / lang / f"{key}.wav"


def build_prompts(dest: Path, custom: Path | None = None, force: bool = False,
                  keys: Iterable[str] | None = None) -> dict[str, int]:
    """Build the prompt files (all, or only `keys`) into dest; returns how many were generated
    by TTS or sox, converted from a custom recording, or left as they were (cached)."""
    wanted = list(PROMPTS) if keys is None else list(keys)
    if unknown := [k for k in wanted if k not in PROMPTS]:
        raise ValueError(f"no such prompts: {unknown}")
    manifest = _load_manifest(dest)
    jobs = [_job(lang, key, custom) for key in wanted for lang in LANGUAGES
            if lang in PROMPTS[key]]
    counts = {"generated": 0, "cached": 0, "custom": 0}
    todo = []
    for job in jobs:
        if not force and manifest.get(job.name) == job.digest and (dest / job.name).is_file():
            counts["cached"] += 1
        else:
            todo.append(job)
    error: BaseException | None = None
    with ThreadPoolExecutor(WORKERS) as pool:
        futures: dict[Future[None], _Job] = {pool.submit(_make, job, dest): job for job in todo}
        for future in as_completed(futures):
            job = futures[future]
            if future.cancelled():
                continue
            if (exc := future.exception()) is None:
                manifest[job.name] = job.digest
                counts["custom" if job.kind == "custom" else "generated"] += 1
            elif error is None:
                error = exc
                for f in futures:
                    f.cancel()
    _save_manifest(dest, manifest)  # what was built before a failure stays built
    if error is not None:
        raise error
    link_pbx_sounds(dest)
    return counts


def speak(dest: Path, lang: str, key: str, text: str) -> Path:
    """One prompt outside the catalogue (a business type an administrator added), spoken by the
    language's voice into dest/<lang>/<key>.wav."""
    voice = VOICES[lang]
    _make(_Job(lang, key, "tts", _digest("tts", text, voice), text=text), dest)
    return prompt_path(dest, lang, key)


def convert(dest: Path, lang: str, key: str, recording: Path,
            max_seconds: float = MAX_RECORDING_S) -> Path:
    """An uploaded recording (WAV or MP3, any rate) as the PBX plays it; PromptBuildError when
    it is not audio or longer than `max_seconds`, and then nothing is written."""
    out = subprocess.run(["soxi", "-D", str(recording)], capture_output=True, text=True)
    try:
        seconds = float(out.stdout)
    except ValueError:
        raise PromptBuildError("the file is not a sound sox can read (WAV or MP3)") from None
    if not 0 < seconds <= max_seconds:
        raise PromptBuildError(f"the recording lasts {seconds:.1f} s: at most {max_seconds:.0f} s")
    _make(_Job(lang, key, "custom", "", source=recording), dest)
    return prompt_path(dest, lang, key)


def pbx_sounds_dir(dest: Path, lang: str) -> Path:
    return dest / "pbx-sounds" / lang


def link_pbx_sounds(dest: Path) -> None:
    """The PBX's own sound names (PBX_SOUNDS) as links to our prompts, one folder per language,
    to be shown to the PBX as its sounds in that language."""
    for lang, names in PBX_SOUNDS.items():
        for name, key in names.items():
            source = prompt_path(dest, lang, key)
            target = pbx_sounds_dir(dest, lang) / f"{name}.wav"
            if not source.is_file():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.unlink(missing_ok=True)
            os.link(source, target)


def _job(lang: str, key: str, custom: Path | None) -> _Job:
    recording = prompt_path(custom, lang, key) if custom is not None else None
    if recording is not None and recording.is_file():
        content = hashlib.sha256(recording.read_bytes()).hexdigest()
        return _Job(lang, key, "custom", _digest("custom", content, WAV_8K), source=recording)
    if key in TONES:
        return _Job(lang, key, "tone", _digest("tone", TONES[key], WAV_8K))
    text = PROMPTS[key][lang]
    voice = VOICES[SPOKEN_IN.get(key, lang)]
    return _Job(lang, key, "tts", _digest("tts", text, voice, SPEECH_EFFECTS, _pause(text)),
                text=text)


def _digest(*parts: object) -> str:
    blob = json.dumps([FORMAT_VERSION, *parts], ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def _pause(text: str) -> float:
    return SENTENCE_PAUSE_S if text.rstrip()[-1:] in ("。", "，", ".", ",", "?", "？") else 0.0


def _make(job: _Job, dest: Path) -> None:
    out = dest / job.name
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".build-") as tmp:
        part = Path(tmp) / "out.wav"
        if job.kind == "custom":
            assert job.source is not None
            _run(["sox", "-R", str(job.source), *WAV_8K, str(part)], job)
        elif job.kind == "tone":
            hz, seconds = TONES[job.key]
            _run(["sox", "-R", "-n", *WAV_8K, str(part), "synth", str(seconds), "sine", str(hz),
                  "fade", "q", "0.01", str(seconds), "0.01", "gain", "-n", "-3"], job)
        else:
            spoken = Path(tmp) / "espeak.wav"
            voice = VOICES[SPOKEN_IN.get(job.key, job.lang)]
            _run(["espeak-ng", *voice, "-b", "1", "--stdin", "-w", str(spoken)], job,
                 stdin=job.text)
            pad = ("pad", "0", str(_pause(job.text))) if _pause(job.text) else ()
            _run(["sox", "-R", str(spoken), *WAV_8K, str(part), *SPEECH_EFFECTS, *pad], job)
        os.replace(part, out)  # Asterisk never sees half a file


def _run(cmd: list[str], job: _Job, stdin: str | None = None) -> None:
    tool = cmd[0]
    try:
        subprocess.run(cmd, input=stdin.encode() if stdin is not None else None,
                       capture_output=True, timeout=TOOL_TIMEOUT_S, check=True)
    except FileNotFoundError:
        raise PromptBuildError(f"{tool} is not installed; it is needed to build the prompts "
                               f"(Debian: apt install {tool})") from None
    except subprocess.TimeoutExpired:
        raise PromptBuildError(f"{tool} took over {TOOL_TIMEOUT_S}s on {job.name}") from None
    except subprocess.CalledProcessError as e:
        detail = e.stderr.decode(errors="replace").strip()
        raise PromptBuildError(f"{tool} failed on {job.name} (exit {e.returncode}): {detail}") \
            from None


def _load_manifest(dest: Path) -> dict[str, str]:
    try:
        data = json.loads((dest / MANIFEST).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _save_manifest(dest: Path, manifest: dict[str, str]) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    tmp = dest / f".{MANIFEST}.tmp"
    tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True))
    os.replace(tmp, dest / MANIFEST)
