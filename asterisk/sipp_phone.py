"""A retailer's phone for development and tests: sipp scenarios written from a script of what
the caller does: pauses, keys (SIP INFO, or RFC 4733 by sipp's pcap play) and speech."""
import asyncio
import socket
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from asterisk.ports import free_port

PCAP_DIR = Path("/usr/share/sip-tester")
SPEECH = PCAP_DIR / "g711a.pcap"  # about 8 s of A-law audio

HEAD = """\
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "Retailer" <sip:[caller]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>{to_tag}
      Call-ID: [call_id]
      CSeq: {cseq} {method}
      Contact: sip:[caller]@[local_ip]:[local_port]
      Max-Forwards: 70"""

# The PBX may hang up at any step of the script (on a caller who presses a key again and again
# until a prompt takes it): its BYE is answered wherever it comes. sipp looks for a "global"
# optional message only behind the current step, so it stands among the answers to the INVITE.
INVITE = """  <send retrans="500">
    <![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
{head}
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 8 101
      a=rtpmap:8 PCMA/8000
      a=rtpmap:101 telephone-event/8000
      a=fmtp:101 0-16
    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv request="BYE" optional="global" next="pbx_hangs_up"/>
  <recv response="200" rtd="true"/>
  <send>
    <![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
{ack_head}
      Content-Length: 0
    ]]>
  </send>
"""

# A phone with an account: the PBX challenges its first INVITE (401), the phone acknowledges
# that and sends the INVITE again with its credentials (sipp -au ACCOUNT -ap SECRET).
CHALLENGED = """  <send retrans="500">
    <![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
{head}
      Content-Length: 0
    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="401" auth="true"/>
  <send>
    <![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      [last_Via:]
      From: "Retailer" <sip:[caller]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Content-Length: 0
    ]]>
  </send>
"""

INFO = """  <send retrans="500">
    <![CDATA[
      INFO sip:[service]@[remote_ip]:[remote_port] SIP/2.0
{head}
      Content-Type: application/dtmf-relay
      Content-Length: [len]

      Signal={digit}
      Duration=120
    ]]>
  </send>
  <recv response="200"/>
"""

END = """  <recv request="BYE" timeout="{hold}" ontimeout="caller_hangs_up"/>
  <label id="pbx_hangs_up"/>
  <send next="end">
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0
    ]]>
  </send>
  <label id="caller_hangs_up"/>
  <send retrans="500">
    <![CDATA[
      BYE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
{head}
      Content-Length: 0
    ]]>
  </send>
  <recv response="200" crlf="true"/>
  <label id="end"/>
"""

RFC4733_NAMES = {"#": "pound", "*": "star"}


@dataclass(frozen=True)
class Pause:
    ms: int


@dataclass(frozen=True)
class Keys:
    digits: str
    gap_ms: int = 150
    rfc4733: bool = False  # in the media stream, as most phones send them


@dataclass(frozen=True)
class Speak:
    ms: int = 3000


@dataclass(frozen=True)
class Tone:
    """A steady tone: a party whose voice can be told apart from the other's in a recording."""

    hz: int
    ms: int


Action = Pause | Keys | Speak | Tone


def pressing(digits: str, every_ms: int, times: int) -> list[Action]:
    """A caller who presses the keys again and again until a prompt takes them: it need not
    know when the prompt comes (the PBX hangs up on it, or the call goes on, meanwhile)."""
    return [step for _ in range(times) for step in (Keys(digits), Pause(every_ms))]


def scenario(script: list[Action], hold_ms: int, folder: Path = Path("."),
             account: bool = False) -> str:
    """The caller dials, does the script, then waits up to hold_ms for the PBX to hang up.
    With `account`, the phone answers the PBX's challenge with its credentials."""
    cseq = 1

    def head(method: str, dialog: bool = True) -> str:
        return HEAD.format(to_tag="[peer_tag_param]" if dialog else "", cseq=cseq, method=method)

    out = ['<?xml version="1.0" encoding="UTF-8" ?>', '<scenario name="hotline caller">']
    invite_head = head("INVITE", dialog=False)
    if account:
        out.append(CHALLENGED.format(head=invite_head))
        cseq += 1
        invite_head = head("INVITE", dialog=False) + "\n      [authentication]"
    out.append(INVITE.format(head=invite_head, ack_head=head("ACK")))
    for action in script:
        match action:
            case Pause(ms=ms):
                out.append(f'  <pause milliseconds="{ms}"/>')
            case Keys(digits=digits, gap_ms=gap, rfc4733=False):
                for digit in digits:
                    cseq += 1
                    out.append(INFO.format(head=head("INFO"), digit=escape(digit)))
                    out.append(f'  <pause milliseconds="{gap}"/>')
            case Keys(digits=digits, gap_ms=gap, rfc4733=True):
                for digit in digits:
                    pcap = PCAP_DIR / f"dtmf_2833_{RFC4733_NAMES.get(digit, digit)}.pcap"
                    out.append(f'  <nop><action><exec play_pcap_audio="{pcap}"/></action></nop>')
                    out.append(f'  <pause milliseconds="{max(gap, 400)}"/>')
            case Speak(ms=ms):
                out.append(f'  <nop><action><exec play_pcap_audio="{SPEECH}"/></action></nop>')
                out.append(f'  <pause milliseconds="{ms}"/>')
            case Tone(hz=hz, ms=ms):
                pcap = tone_pcap(folder, hz, ms)
                out.append(f'  <nop><action><exec play_pcap_audio="{pcap}"/></action></nop>')
                out.append(f'  <pause milliseconds="{ms}"/>')
    cseq += 1
    out.append(END.format(hold=hold_ms, head=head("BYE")))
    out.append("</scenario>\n")
    return "\n".join(out)


def write_scenario(folder: Path, script: list[Action], hold_ms: int,
                   account: bool = False) -> Path:
    path = folder / f"caller-{abs(hash((tuple(script), hold_ms, account)))}.xml"
    path.write_text(scenario(script, hold_ms, folder, account))
    return path


def parse_script(steps: list[str]) -> list[Action]:
    """`hotline call` steps: digits (and * #) are keys, `2s` or `500ms` a pause, `speak` speech."""
    script: list[Action] = []
    for step in steps:
        if step == "speak":
            script.append(Speak())
        elif step.endswith("ms") and step[:-2].isdigit():
            script.append(Pause(int(step[:-2])))
        elif step.endswith("s") and step[:-1].replace(".", "", 1).isdigit():
            script.append(Pause(int(float(step[:-1]) * 1000)))
        elif step and all(ch in "0123456789*#" for ch in step):
            script.append(Keys(step))
        else:
            raise ValueError(f"not a key, pause or 'speak': {step!r}")
    return script


ANSWER = """<?xml version="1.0" encoding="UTF-8" ?>
<scenario name="hotline softphone">
  <recv request="INVITE" crlf="true"/>
  <send retrans="500">
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[local_ip]:[local_port];transport=[transport]>
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 8
      a=rtpmap:8 PCMA/8000
    ]]>
  </send>
  <recv request="ACK" crlf="true"/>
{media}  <recv request="BYE"/>
  <send>
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0
    ]]>
  </send>
</scenario>
"""


def write_answering_scenario(folder: Path, tone: Tone | None = None) -> Path:
    """A softphone that answers one call and stays on until the PBX hangs up; with a tone, it
    plays that tone from the moment it answers (an agent who speaks on every call)."""
    media = ""
    if tone is not None:
        pcap = tone_pcap(folder, tone.hz, tone.ms)
        media = f'  <nop><action><exec play_pcap_audio="{pcap}"/></action></nop>\n'
    path = folder / f"answer-{tone.hz if tone else 0}-{tone.ms if tone else 0}.xml"
    path.write_text(ANSWER.format(media=media))
    return path


def tone_pcap(folder: Path, hz: int, ms: int) -> Path:
    """A capture of an RTP stream (A-law, 20 ms packets) carrying a sine tone, for sipp's
    play_pcap_audio; sox makes the audio."""
    path = folder / f"tone-{hz}-{ms}.pcap"
    if not path.exists():
        write_rtp_pcap(path, _alaw_tone(hz, ms, 0.5))
    return path


def voice_pcap(folder: Path, pattern: tuple[int, ...], hz: int = 440) -> Path:
    """A greeting as answering-machine detection hears it: `pattern` is milliseconds of silence
    and voice in turn, silence first (a tone stands in for voice: AMD hears energy, not
    words), e.g. (200, 800, 6000) for a person's "喂?" and then silence while they listen. The
    stream runs to its end without a gap: a stream that stops is a hang-up to AMD."""
    path = folder / f"voice-{hz}-{'-'.join(map(str, pattern))}.pcap"
    if not path.exists():
        write_rtp_pcap(path, b"".join(_alaw_tone(hz, ms, 0.5 if i % 2 else 0.0)
                                       for i, ms in enumerate(pattern) if ms > 0))
    return path


def _alaw_tone(hz: int, ms: int, volume: float) -> bytes:
    audio = subprocess.run(
        ["sox", "-n", "-r", "8000", "-c", "1", "-e", "a-law", "-t", "al", "-",
         "synth", f"{ms / 1000}", "sine", str(hz), "vol", str(volume)],
        check=True, capture_output=True).stdout
    return audio[:len(audio) - len(audio) % 160]  # whole 20 ms packets


def write_rtp_pcap(path: Path, audio: bytes) -> None:
    frames = [audio[i:i + 160] for i in range(0, len(audio) - 159, 160)]
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]  # Ethernet captures
    for seq, payload in enumerate(frames):
        rtp = struct.pack("!BBHII", 0x80, 8, seq & 0xFFFF, seq * 160, 0x484F544C) + payload
        udp = struct.pack("!HHHH", 6000, 6002, 8 + len(rtp), 0) + rtp
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), seq & 0xFFFF, 0, 64, 17, 0,
                         bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1])) + udp
        frame = b"\0" * 12 + b"\x08\x00" + ip
        usec = seq * 20_000
        out.append(struct.pack("<IIII", usec // 1_000_000, usec % 1_000_000, len(frame),
                               len(frame)) + frame)
    path.write_bytes(b"".join(out))


REGISTER = """<?xml version="1.0" encoding="UTF-8" ?>
<scenario name="hotline phone registers">
{attempts}</scenario>
"""
REGISTER_ATTEMPT = """  <send retrans="500">
    <![CDATA[
      REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:[service]@[remote_ip]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]>
      Call-ID: [call_id]
      CSeq: {cseq} REGISTER
      Contact: <sip:[service]@[local_ip]:[contact_port]>
      {auth}Max-Forwards: 70
      Expires: 300
      Content-Length: 0
    ]]>
  </send>
  <recv response="{expect}"{challenge}/>
"""


def write_registering_scenario(folder: Path) -> Path:
    """A phone registers its account (sipp -s ACCOUNT -au ACCOUNT -ap SECRET) with digest
    auth, naming as its contact the port in `-key contact_port N`: where a softphone answers."""
    attempts = (REGISTER_ATTEMPT.format(cseq=1, auth="", expect=401, challenge=' auth="true"')
                + REGISTER_ATTEMPT.format(cseq=2, auth="[authentication]\n      ", expect=200,
                                          challenge=""))
    path = folder / "register.xml"
    path.write_text(REGISTER.format(attempts=attempts))
    return path


async def register(sip_port: int, folder: Path, account: str, secret: str,
                   contact_port: int) -> int:
    """sipp registers `account` with `secret` to the PBX on 127.0.0.1:`sip_port`, its contact
    the softphone at `contact_port`: sipp's exit status, 0 when the PBX accepted it."""
    proc = await asyncio.create_subprocess_exec(
        "sipp", f"127.0.0.1:{sip_port}", "-sf", str(write_registering_scenario(folder)),
        "-s", account, "-au", account, "-ap", secret, "-key", "contact_port", str(contact_port),
        "-i", "127.0.0.1", "-p", str(free_port(socket.SOCK_DGRAM)), "-m", "1", "-nostdin",
        "-timeout", "10s", "-recv_timeout", "5000", cwd=folder,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    return await proc.wait()


REFUSED = """<?xml version="1.0" encoding="UTF-8" ?>
<scenario name="a request the PBX must refuse">
{steps}</scenario>
"""
REQUEST = """  <send retrans="500">
    <![CDATA[
      {method} sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:[account]@[remote_ip]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]>
      Call-ID: [call_id]
      CSeq: {cseq} {method}
      Contact: <sip:[account]@[local_ip]:[contact_port]>
      {auth}Max-Forwards: 70
      Expires: 300
      Content-Length: 0
    ]]>
  </send>
  <recv response="100" optional="true"/>
"""
ACK = """  <send>
    <![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      [last_Via:]
      From: <sip:[account]@[remote_ip]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: {cseq} ACK
      Content-Length: 0
    ]]>
  </send>
"""


def write_refused_scenario(folder: Path, method: str, answers_challenge: bool) -> Path:
    """`method` (REGISTER or INVITE) as `-key account`, to `-s` (the AOR, or the number
    called), naming `-key contact_port` as its contact; with `answers_challenge`, sent again
    answering the PBX's challenge with sipp's `-ap`. The scenario passes only when the PBX's
    last answer is 401 or 403 (an INVITE's acknowledged): a 200 or anything else fails it."""
    ack = method == "INVITE"
    steps, cseq = "", 1
    if answers_challenge:
        steps += REQUEST.format(method=method, cseq=cseq, auth="")
        steps += '  <recv response="401" auth="true"/>\n' + (ACK.format(cseq=cseq) if ack else "")
        cseq += 1
    steps += REQUEST.format(method=method, cseq=cseq,
                            auth="[authentication]\n      " if answers_challenge else "")
    steps += ('  <recv response="401" optional="true" next="refused"/>\n'
              '  <recv response="403"/>\n  <label id="refused"/>\n')
    steps += ACK.format(cseq=cseq) if ack else ""
    path = folder / f"refused-{method.lower()}-{int(answers_challenge)}.xml"
    path.write_text(REFUSED.format(steps=steps))
    return path


async def refused(sip_port: int, folder: Path, method: str, account: str, to: str,
                  secret: str | None, contact_port: int) -> bool:
    """Whether the PBX on 127.0.0.1:`sip_port` refuses (401 or 403) a `method` from `account`
    to `to`: sent without credentials, or with a `secret`, answering the challenge with it."""
    credentials = ["-au", account, "-ap", secret] if secret is not None else []
    proc = await asyncio.create_subprocess_exec(
        "sipp", f"127.0.0.1:{sip_port}",
        "-sf", str(write_refused_scenario(folder, method, secret is not None)),
        "-s", to, "-key", "account", account, "-key", "contact_port", str(contact_port),
        *credentials, "-i", "127.0.0.1", "-p", str(free_port(socket.SOCK_DGRAM)), "-m", "1",
        "-nostdin", "-timeout", "10s", "-recv_timeout", "5000", cwd=folder,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    return await proc.wait() == 0
