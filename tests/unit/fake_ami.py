"""A scripted AMI server on loopback, for testing the client's link handling."""
import asyncio
from pathlib import Path

# The reply to CoreShowChannels as a real Asterisk 22 sent it, with two calls up.
RECORDED = (Path(__file__).parent / "transcripts" / "core_show_channels.ami").read_bytes()
LIST_REPLY = RECORDED[RECORDED.index(b"Response: Success\r\nActionID: rec-2"):
                      RECORDED.index(b"Response: Success\r\nActionID: rec-3")]


class FakeAmi:
    def __init__(self, secret: str = "s3cret") -> None:
        self.secret = secret
        self.answer_pings = True
        self.silent_actions: set[str] = set()
        self.received: list[dict[str, str]] = []
        self.writers: list[asyncio.StreamWriter] = []
        self.connections = 0
        self.server: asyncio.Server | None = None
        self.port = 0

    async def __aenter__(self) -> "FakeAmi":
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc) -> None:
        self.drop()
        self.server.close()
        await self.server.wait_closed()

    def send(self, raw: bytes) -> None:
        for w in self.writers:
            w.write(raw)

    def drop(self) -> None:
        for w in self.writers:
            w.close()
        self.writers.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.writers.append(writer)
        writer.write(b"Asterisk Call Manager/11.0.0\r\n")
        buf = b""
        try:
            while data := await reader.read(4096):
                *chunks, buf = (buf + data).split(b"\r\n\r\n")
                for chunk in chunks:
                    lines = chunk.decode().split("\r\n")
                    self._answer(writer, dict(line.split(": ", 1) for line in lines))
        except ConnectionError:
            pass
        finally:
            writer.close()

    def _answer(self, w: asyncio.StreamWriter, action: dict[str, str]) -> None:
        self.received.append(action)
        name, aid = action.get("Action"), action.get("ActionID")
        if name in self.silent_actions or (name == "Ping" and not self.answer_pings):
            return
        if name == "Login":
            ok = action.get("Secret") == self.secret
            w.write(f"Response: {'Success' if ok else 'Error'}\r\nActionID: {aid}\r\n"
                    f"Message: Authentication {'accepted' if ok else 'failed'}\r\n\r\n".encode())
            if ok:
                w.write(b"Event: FullyBooted\r\nStatus: Fully Booted\r\n\r\n")
        elif name == "CoreShowChannels":
            w.write(LIST_REPLY.replace(b"ActionID: rec-2", f"ActionID: {aid}".encode()))
        elif name == "Originate":
            w.write(f"Response: Success\r\nActionID: {aid}\r\nMessage: Originate successfully "
                    f"queued\r\n\r\nEvent: OriginateResponse\r\nActionID: {aid}\r\n"
                    f"Response: Failure\r\nReason: 5\r\nUniqueid: {action['ChannelId']}\r\n\r\n"
                    .encode())
        elif name == "Fail":
            w.write(f"Response: Error\r\nActionID: {aid}\r\n"
                    "Message: No such thing\r\n\r\n".encode())
        else:
            w.write(f"Response: Success\r\nActionID: {aid}\r\nPing: Pong\r\n\r\n".encode())
