"""AMI wire protocol without I/O: bytes in, messages out; actions out as bytes."""
from collections.abc import Mapping
from dataclasses import dataclass, field

SEPARATOR = b"\r\n\r\n"
MAX_MESSAGE_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class AmiMessage:
    """One AMI message: the first value of every header by name, and every header in order."""

    fields: Mapping[str, str]
    lines: tuple[tuple[str, str], ...] = field(repr=False)

    @property
    def event(self) -> str | None:
        return self.fields.get("Event")

    @property
    def response(self) -> str | None:
        return self.fields.get("Response")

    @property
    def action_id(self) -> str | None:
        return self.fields.get("ActionID")

    def get_all(self, name: str) -> list[str]:
        return [value for key, value in self.lines if key == name]


@dataclass(frozen=True, slots=True)
class AmiJunk:
    """Bytes that are not an AMI message; reported so the reader can log and go on."""

    reason: str
    raw: bytes


class AmiParser:
    """Feed bytes as they arrive; get complete messages. Survives split packets and junk."""

    def __init__(self) -> None:
        self._buf = b""
        self.banner: str | None = None

    def feed(self, data: bytes) -> list[AmiMessage | AmiJunk]:
        buf = self._buf + data
        out: list[AmiMessage | AmiJunk] = []
        if self.banner is None:
            end = buf.find(b"\r\n")
            if end < 0:
                self._buf = buf
                return out
            self.banner = buf[:end].decode("utf-8", "replace")
            if not self.banner.startswith("Asterisk Call Manager/"):
                out.append(AmiJunk("unexpected banner", buf[:end]))
            buf = buf[end + 2:]
        chunks = buf.split(SEPARATOR)
        self._buf = chunks.pop()
        if len(self._buf) > MAX_MESSAGE_BYTES:
            out.append(AmiJunk("message too long", self._buf[:200]))
            self._buf = b""
        for chunk in chunks:
            if chunk:
                out.append(parse_message(chunk))
        return out


def parse_message(chunk: bytes) -> AmiMessage | AmiJunk:
    fields: dict[str, str] = {}
    lines: list[tuple[str, str]] = []
    for raw_line in chunk.decode("utf-8", "replace").split("\r\n"):
        key, sep, value = raw_line.partition(": ")
        if not sep:
            if raw_line.endswith(":"):  # a header with an empty value
                key, value = raw_line[:-1], ""
            elif raw_line.strip():
                return AmiJunk("line without a header", chunk[:200])
            else:
                continue
        lines.append((key, value))
        fields.setdefault(key, value)
    if "Event" not in fields and "Response" not in fields:
        return AmiJunk("neither Event nor Response", chunk[:200])
    return AmiMessage(fields, tuple(lines))


def encode_action(name: str, action_id: str, fields: Mapping[str, str | list[str]]) -> bytes:
    """An action as bytes. A value holding CR or LF would smuggle a header: refused."""
    lines = [f"Action: {name}", f"ActionID: {action_id}"]
    for key, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            text = str(item)
            if "\r" in text or "\n" in text or "\r" in key or "\n" in key:
                raise ValueError(f"AMI header {key!r} holds a line break")
            lines.append(f"{key}: {text}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()
