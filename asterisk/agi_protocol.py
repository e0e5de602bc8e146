"""FastAGI wire protocol without I/O: the request headers, replies, and commands as bytes.

Asterisk opens a TCP connection, sends ``agi_*: value`` lines ended by a blank line, then waits
for one command line at a time and answers each with one reply (``200 result=...``), except for
the usage help of a 520, which spans several lines. ``HANGUP`` arrives unsolicited when the channel
hangs up; it is not a reply.
"""
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from urllib.parse import parse_qsl, urlsplit

MAX_HEADER_BYTES = 16 * 1024
# res_agi reads a command with fgets into a 2048-byte buffer: a longer line is cut and its tail is
# run as a second command. 2047 bytes, newline included, is the longest line that arrives whole.
MAX_COMMAND_BYTES = 2047
MAX_REPLY_CHARS = 64 * 1024
_USAGE_END = "520 End of proper usage."
_COMMAND_NAME = re.compile(r"[A-Za-z]+( [A-Za-z]+)*")
_EXTRA = re.compile(r'(\w+)=("[^"]*"|\S*)')


class AgiError(Exception):
    """Base of every FastAGI error."""


class AgiProtocolError(AgiError):
    """The peer sent something that is not FastAGI."""


class AgiHangup(AgiError):
    """The channel hung up, or the connection to Asterisk is gone."""


class AgiTimeout(AgiError):
    """No reply within the command timeout; the session is closed."""


class AgiCommandError(AgiError):
    """Asterisk refused the command (510 unknown command, 520 bad syntax)."""

    def __init__(self, reply: "AgiReply") -> None:
        super().__init__(f"{reply.code} {reply.message}".strip())
        self.reply = reply


def _frozen(mapping: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class AgiRequest:
    """What Asterisk tells us when it connects. Frozen (its mappings are read-only views)."""

    script: str
    params: Mapping[str, str] = field(default_factory=dict)
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", _frozen(self.params))
        object.__setattr__(self, "args", tuple(self.args))
        object.__setattr__(self, "env", _frozen(self.env))

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "AgiRequest":
        if "agi_network_script" in env:
            path, _, query = env["agi_network_script"].partition("?")
        elif "agi_request" in env:
            parts = urlsplit(env["agi_request"])
            path, query = parts.path, parts.query
        else:
            raise AgiProtocolError("AGI headers without agi_network_script or agi_request")
        numbered = []
        for key, value in env.items():
            match = re.fullmatch(r"agi_arg_(\d+)", key)
            if match:
                numbered.append((int(match.group(1)), value))
        return cls(
            script=path.lstrip("/"),
            params=dict(parse_qsl(query, keep_blank_values=True)),
            args=tuple(value for _, value in sorted(numbered)),
            env=env,
        )

    @property
    def channel(self) -> str:
        return self.env.get("agi_channel", "")

    @property
    def endpoint(self) -> str:
        """The calling phone's PJSIP endpoint, from its channel's name (PJSIP/<endpoint>-<n>):
        the PBX names it after the account the phone authenticated as, unlike the caller id,
        which the phone says itself. Empty for any other channel."""
        tech, _, rest = self.channel.partition("/")
        name, dash, _ = rest.rpartition("-")
        return name if tech == "PJSIP" and dash else ""

    @property
    def uniqueid(self) -> str:
        return self.env.get("agi_uniqueid", "")

    @property
    def callerid(self) -> str:
        return self.env.get("agi_callerid", "")

    @property
    def calleridname(self) -> str:
        return self.env.get("agi_calleridname", "")

    @property
    def extension(self) -> str:
        return self.env.get("agi_extension", "")

    @property
    def context(self) -> str:
        return self.env.get("agi_context", "")

    @property
    def language(self) -> str:
        return self.env.get("agi_language", "")


class EnvParser:
    """Feed bytes as they arrive; get the request once the blank line that ends the headers came.

    Bytes after the blank line are kept in ``rest``.
    """

    def __init__(self, max_header_bytes: int = MAX_HEADER_BYTES) -> None:
        self._max = max_header_bytes
        self._buf = b""
        self._env: dict[str, str] = {}
        self._used = 0
        self.request: AgiRequest | None = None
        self.rest = b""

    def feed(self, data: bytes) -> AgiRequest | None:
        if self.request is not None:
            self.rest += data
            return None
        self._buf += data
        while True:
            end = self._buf.find(b"\n")
            if end < 0:
                if self._used + len(self._buf) > self._max:
                    raise AgiProtocolError("AGI headers too long")
                return None
            raw, self._buf = self._buf[:end], self._buf[end + 1:]
            self._used += end + 1
            if self._used > self._max:
                raise AgiProtocolError("AGI headers too long")
            line = raw.decode("utf-8", "replace").rstrip("\r")
            if not line:
                self.request = AgiRequest.from_env(self._env)
                self.rest, self._buf = self._buf, b""
                return self.request
            key, sep, value = line.partition(":")
            if not sep or not key.startswith("agi_") or (value and not value.startswith(" ")):
                raise AgiProtocolError(f"not an AGI header: {line[:80]!r}")
            self._env[key] = value[1:]


@dataclass(frozen=True)
class AgiReply:
    """One reply. For 200: ``result``, ``data`` (inside the parentheses), ``extra`` (key=value
    pairs such as endpos) and ``message`` (any other trailing text, e.g. "Gosub failed").
    For other codes only ``message`` (for 520 with usage: every line, joined by newlines)."""

    code: int
    result: str = ""
    data: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)
    message: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "extra", _frozen(self.extra))

    @property
    def result_int(self) -> int | None:
        try:
            return int(self.result)
        except ValueError:
            return None

    @property
    def digit(self) -> str:
        """The key pressed, for replies whose result is an ASCII code (STREAM FILE, WAIT FOR
        DIGIT). GET DATA returns the digits themselves: read ``result`` there."""
        value = self.result_int
        return chr(value) if value is not None and 0 < value < 0x110000 else ""


def parse_reply_line(line: str) -> AgiReply:
    """Parse one complete single-line reply."""
    code_text, sep, rest = line.partition(" ")
    if len(code_text) != 3 or not code_text.isdigit():
        raise AgiProtocolError(f"not an AGI reply: {line[:80]!r}")
    code = int(code_text)
    if code != 200:
        return AgiReply(code, message=rest)
    if not rest.startswith("result="):
        raise AgiProtocolError(f"200 reply without result: {line[:80]!r}")
    result, _, tail = rest[len("result="):].partition(" ")
    tail = tail.lstrip(" ")
    data = ""
    if tail.startswith("("):
        close = tail.rfind(")")  # the data may itself hold parentheses; extras never do
        if close < 0:
            raise AgiProtocolError(f"unclosed parenthesis in reply: {line[:80]!r}")
        data, tail = tail[1:close], tail[close + 1:]
    extra = {key: value.strip('"') for key, value in _EXTRA.findall(tail)}
    return AgiReply(200, result, data, extra, _EXTRA.sub("", tail).strip())


def _opens_data(line: str) -> bool:
    """A 200 reply whose "(data" is not closed on this line."""
    if not line.startswith("200 result="):
        return False
    tail = line.partition(" ")[2].partition(" ")[2].lstrip(" ")
    return tail.startswith("(") and ")" not in tail


class ReplyParser:
    """Feed reply lines (without or with their newline); get a reply once it is complete.

    Buffers the "520-" usage block, and a 200 reply whose parenthesised data holds a newline
    (GET VARIABLE of a value with a line break). Blank lines between replies are skipped.
    """

    def __init__(self) -> None:
        self._lines: list[str] = []
        self._kind: str | None = None  # "usage" or "paren" while a reply spans lines

    @property
    def pending(self) -> bool:
        return self._kind is not None

    def feed(self, line: str) -> AgiReply | None:
        line = line.rstrip("\r\n")
        if self._kind == "usage":
            if line.startswith("520 "):
                self._lines.append(line[4:])
                return self._finish(AgiReply(520, message="\n".join(self._lines)))
            if line.endswith(_USAGE_END):  # usage text without a final newline runs into it
                self._lines += [line[: -len(_USAGE_END)], _USAGE_END[4:]]
                return self._finish(AgiReply(520, message="\n".join(self._lines)))
            self._lines.append(line)
        elif self._kind == "paren":
            self._lines.append(line)
            if ")" in line:
                return self._finish(parse_reply_line("\n".join(self._lines)))
        elif not line:
            return None
        elif line.startswith("520-"):
            self._kind, self._lines = "usage", [line[4:]]
        elif _opens_data(line):
            self._kind, self._lines = "paren", [line]
        else:
            return parse_reply_line(line)
        if sum(len(part) for part in self._lines) > MAX_REPLY_CHARS:
            raise AgiProtocolError("AGI reply too long")
        return None

    def _finish(self, reply: AgiReply) -> AgiReply:
        self._kind, self._lines = None, []
        return reply


def is_hangup_line(line: str | bytes) -> bool:
    """The unsolicited notice Asterisk sends on the socket when the channel hangs up."""
    if isinstance(line, bytes):
        line = line.decode("utf-8", "replace")
    return line.strip() == "HANGUP"


def _quote(arg: str) -> str:
    if arg and not any(ch in arg for ch in ' \t"\\'):
        return arg
    return '"' + arg.replace("\\", "\\\\").replace('"', '\\"') + '"'


def encode_command(command: str, *args: str | int) -> bytes:
    """One command line. ``command`` is the command's words ("GET DATA"), letters only; each
    argument is quoted when needed, the way res_agi's parse_args reads it back.

    A line break or NUL anywhere would start a second command: refused with ValueError, as is a
    line too long for res_agi's buffer."""
    texts = [str(arg) for arg in args]
    for text in (command, *texts):
        if any(ch in text for ch in "\r\n\0"):
            raise ValueError("AGI command part holds a line break or NUL")
    if not _COMMAND_NAME.fullmatch(command):
        raise ValueError(f"not an AGI command name: {command!r}")
    line = " ".join([command, *map(_quote, texts)]).encode() + b"\n"
    if len(line) > MAX_COMMAND_BYTES:
        raise ValueError(f"AGI command longer than {MAX_COMMAND_BYTES} bytes")
    return line
