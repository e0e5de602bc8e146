"""A population of customers for outbound calls in development and tests: one sipp server that
takes every call the PBX places and, call by call at random, rings for a while and then answers
(and talks for a random time before hanging up, unless the PBX hangs up first), is busy, fails
(503), or rings until the PBX gives up."""
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Population:
    busy: int = 15  # percent of calls
    failed: int = 5
    unanswered: int = 15  # the rest answer
    ring_ms: tuple[int, int] = (500, 2500)
    talk_ms: tuple[int, int] = (2000, 5000)  # a short talk for half the answers, a long one else
    greeting: Path | None = None  # an audio capture every answer plays (an answering machine's)
    # (number prefix, audio capture): the answer to a number with that prefix plays that
    # greeting instead (the first prefix that fits), so a test knows who answered which call
    greetings: tuple[tuple[str, Path], ...] = ()

    def __post_init__(self) -> None:
        if self.busy + self.failed + self.unanswered > 100:
            raise ValueError("busy + failed + unanswered is more than 100 percent")
        if not all(prefix.isdigit() for prefix, _ in self.greetings):
            raise ValueError("a greeting's number prefix is digits")


REPLY = """  <send{attrs}>
    <![CDATA[
      SIP/2.0 {status}
      [last_Via:]
      [last_From:]
      [last_To:]{tag}
      [last_Call-ID:]
      {cseq}
      Contact: <sip:[local_ip]:[local_port];transport=[transport]>
{body}    ]]>
  </send>
"""
NO_BODY = "      Content-Length: 0\n"
SDP = """      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=customer 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 8
      a=rtpmap:8 PCMA/8000
"""
TAG = ";tag=[pid]SIPpTag01[call_number]"  # ours, on every reply to the INVITE
# The PBX hangs up first (the agent's side ended the call), or the customer does at `ms`.
OK_TO_BYE = """  <recv request="BYE" timeout="{ms}" ontimeout="hangs_up"/>
""" + REPLY.format(attrs=' next="end"', status="200 OK", tag="", cseq="[last_CSeq:]",
                   body=NO_BODY).replace("{", "{{").replace("}", "}}")


def scenario(p: Population) -> str:
    invite_cseq = "CSeq: [$invite_cseq]"
    out = ['<?xml version="1.0" encoding="UTF-8" ?>', '<scenario name="hotline customers">',
           '  <recv request="INVITE" crlf="true">',
           '    <action>',
           '      <ereg regexp="[0-9]+ INVITE" search_in="hdr" header="CSeq:" '
           'assign_to="invite_cseq"/>',
           '      <ereg regexp="sip:[^>;]+" search_in="hdr" header="Contact:" '
           'assign_to="pbx_contact"/>',
           '      <ereg regexp="[^ ].*" search_in="hdr" header="From:" assign_to="pbx_from"/>',
           '      <ereg regexp="&lt;[^>]+&gt;" search_in="hdr" header="To:" assign_to="me"/>',
           '      <sample assign_to="fate" distribution="uniform" min="0" max="100"/>',
           f'      <test assign_to="busy" variable="fate" compare="less_than" value="{p.busy}"/>',
           f'      <test assign_to="failed" variable="fate" compare="less_than" '
           f'value="{p.busy + p.failed}"/>',
           f'      <test assign_to="unanswered" variable="fate" compare="less_than" '
           f'value="{p.busy + p.failed + p.unanswered}"/>',
           *(f'      <ereg regexp="INVITE sip:{prefix}" assign_to="g{i}"/>'
             for i, (prefix, _) in enumerate(p.greetings)),
           '      <sample assign_to="talk" distribution="uniform" min="0" max="100"/>',
           '      <test assign_to="short" variable="talk" compare="less_than" value="50"/>',
           '    </action>',
           '  </recv>',
           REPLY.format(attrs="", status="180 Ringing", tag=TAG, cseq=invite_cseq,
                        body=NO_BODY),
           f'  <pause distribution="uniform" min="{p.ring_ms[0]}" max="{p.ring_ms[1]}"/>',
           '  <nop next="busy" test="busy"/>',
           '  <nop next="failed" test="failed"/>',
           '  <nop next="unanswered" test="unanswered"/>',
           REPLY.format(attrs=' retrans="500"', status="200 OK", tag=TAG, cseq=invite_cseq,
                        body=SDP),
           '  <recv request="ACK" crlf="true"/>',
           *greet(p),
           '  <nop next="short_talk" test="short"/>',
           OK_TO_BYE.format(ms=p.talk_ms[1]),
           '  <label id="short_talk"/>',
           OK_TO_BYE.format(ms=p.talk_ms[0]),
           '  <label id="hangs_up"/>',
           HANG_UP,
           '  <label id="busy"/>',
           REPLY.format(attrs="", status="486 Busy Here", tag=TAG, cseq=invite_cseq,
                        body=NO_BODY),
           '  <recv request="ACK" next="end"/>',
           '  <label id="failed"/>',
           REPLY.format(attrs="", status="503 Service Unavailable", tag=TAG, cseq=invite_cseq,
                        body=NO_BODY),
           '  <recv request="ACK" next="end"/>',
           '  <label id="unanswered"/>',
           '  <recv request="CANCEL"/>',
           REPLY.format(attrs="", status="200 OK", tag=TAG, cseq="[last_CSeq:]", body=NO_BODY),
           REPLY.format(attrs="", status="487 Request Terminated", tag=TAG, cseq=invite_cseq,
                        body=NO_BODY),
           '  <recv request="ACK"/>',
           '  <label id="end"/>',
           '</scenario>', '']
    return "\n".join(out)


def greet(p: Population) -> list[str]:
    """The greeting of the number called, or everyone's, played from the answer on."""
    def play(audio: Path) -> str:
        return f'  <nop><action><exec play_pcap_audio="{audio}"/></action></nop>'
    out = [f'  <nop next="p{i}" test="g{i}"/>' for i in range(len(p.greetings))]
    out += [play(p.greeting)] if p.greeting else []
    if p.greetings:
        out.append('  <nop next="greeted"/>')
        for i, (_, audio) in enumerate(p.greetings):
            out += [f'  <label id="p{i}"/>', play(audio), '  <nop next="greeted"/>']
        out.append('  <label id="greeted"/>')
    return out


# The customer hangs up: a request inside the dialog the PBX opened, so From and To swap.
HANG_UP = """  <send retrans="500">
    <![CDATA[
      BYE [$pbx_contact] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: [$me];tag=[pid]SIPpTag01[call_number]
      To: [$pbx_from]
      Call-ID: [call_id]
      CSeq: 2 BYE
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
  <recv response="200" next="end"/>
"""


SIPP_MAX_SCENARIO = 65536  # bytes: sipp reads no more of a scenario file


def write_customers_scenario(folder: Path, population: Population = Population()) -> Path:
    text = scenario(population)
    if len(text.encode()) > SIPP_MAX_SCENARIO:
        raise ValueError(f"the customers' scenario is {len(text.encode())} bytes: sipp reads "
                         f"{SIPP_MAX_SCENARIO} (fewer greetings, or shorter paths to them)")
    path = folder / "customers.xml"
    path.write_text(text)
    return path
