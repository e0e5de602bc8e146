"""The local PBX for development and tests: a cached Debian sid root with Asterisk 22, run in a
private mount namespace on 127.0.0.1 with every config rendered by the engine into a run folder."""
import asyncio
import contextlib
import ctypes
import logging
import math
import os
import shutil
import signal
import struct
import subprocess
import time
import wave
from collections.abc import Mapping, Sequence
from pathlib import Path

from asterisk.ami import AmiClient
from asterisk.cdr import CDR_FILE
from asterisk.config import (
    PBX_MOUNT,
    SOUNDS_DIR,
    QueueSpec,
    SipEndpoint,
    render_all,
)
from asterisk.settings import AgiSettings, AmiSettings, PbxSettings

log = logging.getLogger("hotline.pbx")

PR_SET_PDEATHSIG = 1
PACKAGES = "asterisk,asterisk-modules,asterisk-core-sounds-en-gsm"
APT_SOURCES = (Path("/etc/apt/sources.list.d"), Path("/etc/apt/sources.list"))


class PbxError(RuntimeError):
    pass


def debian_mirror(sources: tuple[Path, ...] = APT_SOURCES) -> str:
    """The Debian mirror this machine's own apt sources name (never a hard-coded host)."""
    files: list[Path] = []
    for src in sources:
        if src.is_dir():
            files += sorted(src.glob("*.sources")) + sorted(src.glob("*.list"))
        elif src.is_file():
            files.append(src)
    for path in files:
        for uri in _uris(path.read_text(errors="replace"), deb822=path.suffix == ".sources"):
            if "security" not in uri and "/debian" in uri:
                return uri
    raise PbxError("no Debian mirror found in the apt sources")


def _uris(text: str, deb822: bool) -> list[str]:
    uris = []
    for line in text.splitlines():
        line = line.strip()
        if deb822 and line.startswith("URIs:"):
            uris += line.split()[1:]
        elif not deb822 and line.startswith("deb "):
            uris += [w for w in line.split()[1:] if "://" in w][:1]
    return uris


def install_root(root: Path, mirror: str | None = None) -> Path:
    """Build the PBX root once with debootstrap; later calls reuse it."""
    if (root / "usr/sbin/asterisk").exists():
        (root / PBX_MOUNT.lstrip("/")).mkdir(exist_ok=True)
        return root
    if shutil.which("debootstrap") is None:
        raise PbxError("debootstrap is not installed (apt-get install debootstrap)")
    mirror = mirror or debian_mirror()
    tmp = root.with_name(root.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.parent.mkdir(parents=True, exist_ok=True)
    log.info("building the PBX root", extra={"root": str(root), "mirror": mirror})
    subprocess.run(
        ["debootstrap", "--variant=minbase", f"--include={PACKAGES}", "sid", str(tmp), mirror],
        check=True, stdout=subprocess.DEVNULL,
    )
    (tmp / PBX_MOUNT.lstrip("/")).mkdir(exist_ok=True)
    tmp.rename(root)
    return root


def write_hold_music(path: Path) -> None:
    """A soft two-tone chime as music on hold, so waiting is never silence (8 kHz, 16-bit)."""
    if path.exists():
        return
    rate, frames = 8000, bytearray()
    for freq, seconds in ((523.25, 0.6), (659.25, 0.6), (783.99, 0.8), (0, 1.0)) * 3:
        for i in range(int(rate * seconds)):
            fade = min(1.0, i / 400, (rate * seconds - i) / 400)
            frames += struct.pack("<h", int(3000 * fade * math.sin(2 * math.pi * freq * i / rate)))
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(frames))


def _terminate_with_parent() -> None:
    """In the child before exec: SIGTERM when the process that started it dies (kept across
    exec, so it reaches Asterisk, which the shell execs in place)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def link_tree(sources: Sequence[Path], dest: Path) -> None:
    """Show the sources' files under dest (inside the PBX's mount), a later source's file
    replacing an earlier one of the same name: hard links, or copies across file systems. A
    symbolic link would point outside the chroot."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for source in sources:
        if source.is_dir():
            shutil.copytree(source, dest, copy_function=show_file, dirs_exist_ok=True)


def show_file(source: Path | str, target: Path | str) -> None:
    """`target` becomes `source`'s content at once (a player never sees half a file)."""
    part = Path(f"{target}.part")
    part.unlink(missing_ok=True)
    try:
        os.link(source, part)
    except OSError:
        shutil.copyfile(source, part)
    os.replace(part, target)


LIVE_CONFIG = ("pjsip.conf", "queues.conf")  # what an administrator's change may reload


class LocalPbx:
    def __init__(
        self, pbx: PbxSettings, ami: AmiSettings, agi: AgiSettings, run_dir: Path | None = None,
        endpoints: tuple[SipEndpoint, ...] = (), queues: tuple[QueueSpec, ...] = (),
        media: Mapping[str, Sequence[Path]] | None = None,
        sounds: Mapping[str, Path] | None = None,
        die_with_parent: bool = True,
    ) -> None:
        self.settings, self.ami, self.agi = pbx, ami, agi
        self.run_dir = (run_dir or pbx.run_dir).resolve()
        self.endpoints, self.queues = endpoints, queues
        # run-folder subfolder -> the folders whose files it shows, a later one's first
        self.media = dict(media or {})
        # language -> folder shown as the PBX's own sounds in that language (Asterisk ships none
        # in Mandarin)
        self.sounds = {lang: folder for lang, folder in (sounds or {}).items() if folder.is_dir()}
        # A test run or a demo that dies takes its PBX along; `hotline pbx up` leaves it running.
        self.die_with_parent = die_with_parent
        self.pid_file = self.run_dir / "asterisk.pid"

    @property
    def log_dir(self) -> Path:
        return self.run_dir / "log"

    def write_config(self) -> None:
        for sub in ("etc", "run", "log", str(Path(CDR_FILE).parent), "spool", "lib", "cache", "moh",
                    "recordings", "prompts", "voicemail"):
            (self.run_dir / sub).mkdir(parents=True, exist_ok=True)
        for private in ("etc", "log"):  # accounts' secrets; a verbose log shows the AGI key
            (self.run_dir / private).chmod(0o700)
        for sub, sources in self.media.items():
            link_tree(sources, self.run_dir / sub)
        for lang, source in self.sounds.items():
            link_tree((source,), self.run_dir / "sounds" / lang)
        files = render_all(self.settings, self.ami, self.agi, self.endpoints, self.queues)
        for name, text in files.items():
            target = self.run_dir / "etc" / name
            target.write_text(text)
            target.chmod(0o600)
        write_hold_music(self.run_dir / "moh" / "hotline-chime.wav")

    def write_live_config(self) -> None:
        """pjsip.conf and queues.conf alone, for a reload of the running PBX (the rest is
        unchanged): the phones' accounts and the queues."""
        files = render_all(self.settings, self.ami, self.agi, self.endpoints, self.queues)
        for name in LIVE_CONFIG:
            target = self.run_dir / "etc" / name
            part = target.with_name(f".{name}.part")
            part.write_text(files[name])
            part.chmod(0o600)
            os.replace(part, target)  # the PBX never reads half a file

    def show_media(self, sub: str, folder: Path) -> None:
        """Files added to `folder` (one of media[sub]) shown to the running PBX."""
        if folder.is_dir():
            shutil.copytree(folder, self.run_dir / sub, copy_function=show_file,
                            dirs_exist_ok=True)

    def pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text())
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, ValueError):
            return None
        return pid if b"asterisk" in cmdline else None

    async def up(self) -> None:
        if self.pid() is not None:
            raise PbxError(f"a PBX already runs from {self.run_dir} (pid {self.pid()})")
        root = self.settings.root
        if not (root / "usr/sbin/asterisk").exists():
            raise PbxError(f"no PBX root at {root}: run `hotline pbx install` first")
        (root / PBX_MOUNT.lstrip("/")).mkdir(exist_ok=True)
        self.write_config()
        (self.log_dir / "messages.log").unlink(missing_ok=True)  # judge this boot alone
        languages = ""
        for lang in self.sounds:
            target = root / SOUNDS_DIR.lstrip("/") / lang
            target.mkdir(parents=True, exist_ok=True)
            languages += f"mount --bind {self.run_dir}/sounds/{lang} {target} && "
        script = (
            f"mount --bind /proc {root}/proc && mount --bind /dev {root}/dev && "
            f"mount --bind {self.run_dir} {root}{PBX_MOUNT} && {languages}"
            f"exec chroot {root} /usr/sbin/asterisk -C {PBX_MOUNT}/etc/asterisk.conf -f -n"
        )
        console = open(self.log_dir / "console.log", "ab")
        with console:
            proc = subprocess.Popen(
                ["unshare", "-m", "--propagation", "private", "sh", "-c", script],
                stdin=subprocess.DEVNULL, stdout=console, stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_terminate_with_parent if self.die_with_parent else None,
            )
        self.pid_file.write_text(str(proc.pid))
        try:
            await self._wait_booted(proc)
            await self._check_modules()
        except BaseException:
            await self.down()
            raise
        log.info("pbx up", extra={"pid": proc.pid, "sip_port": self.settings.sip_port,
                                  "ami_port": self.ami.port})

    async def _wait_booted(self, proc: subprocess.Popen) -> None:
        client = AmiClient(self.ami.model_copy(
            update={"reconnect_min": 0.05, "reconnect_max": 0.2}))
        deadline = time.monotonic() + self.settings.boot_timeout
        async with asyncio.TaskGroup() as tg:
            runner = tg.create_task(client.run())
            try:
                while not client.fully_booted.is_set():
                    if proc.poll() is not None:
                        raise PbxError(
                            f"Asterisk exited with {proc.returncode}: {self._log_tail()}")
                    if time.monotonic() > deadline:
                        raise PbxError(f"Asterisk not fully booted in time: {self._log_tail()}")
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(0.1):
                            await client.fully_booted.wait()
            finally:
                runner.cancel()

    async def _check_modules(self) -> None:
        """A module that declines to load (usually a missing config) fails the boot loudly. The
        PBX's own list says which are not running: its log may not have them yet (the logger
        writes from a thread of its own, which a busy machine leaves behind)."""
        listed = (await self.cli("module show")).splitlines()
        down = [line.split()[0] for line in listed if "Not Running" in line]
        if down:
            raise PbxError(f"modules failed to load: {', '.join(down)}")

    def _log_tail(self) -> str:
        try:
            return (self.log_dir / "console.log").read_text(errors="replace")[-2000:]
        except OSError:
            return ""

    async def cli(self, command: str) -> str:
        """A command of the running PBX's CLI (a remote console inside its namespace), for an
        operator or a test: the engine's AMI account may not run CLI commands."""
        pid = self.pid()
        if pid is None:
            raise PbxError(f"no PBX runs from {self.run_dir}")
        proc = await asyncio.create_subprocess_exec(
            "nsenter", "-t", str(pid), "-m", "chroot", str(self.settings.root),
            "/usr/sbin/asterisk", "-C", f"{PBX_MOUNT}/etc/asterisk.conf", "-rx", command,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        out, _ = await proc.communicate()
        if proc.returncode != 0:
            raise PbxError(f"CLI {command!r} failed ({proc.returncode}): {out.decode()[-500:]}")
        return out.decode(errors="replace")

    async def down(self, timeout: float = 10.0, crash: bool = False) -> None:
        """Stop Asterisk; its mounts live in its private namespace and vanish with it.
        `crash` kills it outright, as a power cut would (for tests of the engine's recovery)."""
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return
        steps = ((signal.SIGTERM, timeout), (signal.SIGKILL, 15.0))  # its namespace goes with it
        for sig, wait in steps[1:] if crash else steps:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, sig)
            if await self._wait_gone(pid, wait):
                break
        else:
            raise PbxError(f"Asterisk pid {pid} would not stop")
        self.pid_file.unlink(missing_ok=True)

    @staticmethod
    async def _wait_gone(pid: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)  # reap it when it is our child
            if not _running(pid):
                return True
            await asyncio.sleep(0.05)
        return False

    def status(self) -> dict[str, object]:
        pid = self.pid()
        return {"running": pid is not None, "pid": pid, "run_dir": str(self.run_dir),
                "sip": f"127.0.0.1:{self.settings.sip_port}",
                "ami": f"{self.ami.host}:{self.ami.port}", "hotline": self.settings.hotline_number}


def _running(pid: int) -> bool:
    """Whether the process exists and has not died: a zombie (dead, its parent not yet told,
    as when the parent is not this process) holds nothing of the PBX's any more."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2:].split(" ", 1)[0] != "Z"
