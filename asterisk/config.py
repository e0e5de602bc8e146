"""Renders every Asterisk config file the engine relies on, from settings, as text (no I/O)."""
from dataclasses import dataclass

from asterisk import cdr
from asterisk import dialplan as dp
from asterisk.settings import AgiSettings, AmiSettings, PbxSettings

# Where the run folder appears inside the PBX root (bind-mounted there by the local PBX).
PBX_MOUNT = "/pbx"
RECORDINGS_DIR = f"{PBX_MOUNT}/recordings"  # the run folder's recordings, as the PBX sees them
SOUNDS_DIR = "/usr/share/asterisk/sounds"  # astdatadir/sounds: the PBX's sounds by language
MAX_WAIT_LANGUAGE = "MAX_WAIT_LANGUAGE"

MODULES = (
    # SIP
    "res_pjproject", "res_sorcery_config", "res_sorcery_memory", "res_sorcery_astdb",
    "res_pjsip", "res_pjsip_session", "chan_pjsip", "res_pjsip_authenticator_digest",
    "res_pjsip_endpoint_identifier_user", "res_pjsip_endpoint_identifier_anonymous",
    "res_pjsip_registrar", "res_pjsip_dtmf_info", "res_pjsip_sdp_rtp", "res_pjsip_caller_id",
    "res_pjsip_nat", "res_pjsip_header_funcs", "res_pjsip_pubsub", "res_pjsip_refer",
    "res_pjsip_rfc3326", "res_pjsip_empty_info", "res_rtp_asterisk",
    # media
    "codec_ulaw", "codec_alaw", "codec_gsm", "codec_resample", "format_gsm", "format_wav",
    "format_pcm", "format_sln", "format_wav_gsm", "res_musiconhold", "res_timing_timerfd",
    "res_mutestream",  # an agent's microphone muted (AMI MuteAudio)
    # bridges
    "bridge_simple", "bridge_native_rtp", "bridge_softmix", "bridge_holding",
    # applications and functions
    "pbx_config", "res_speech", "res_agi", "app_dial", "app_playback", "app_queue", "app_confbridge",
    "app_voicemail", "app_mixmonitor", "app_chanspy", "app_read", "app_echo", "app_verbose",
    "app_stack", "app_exec", "app_senddtmf", "app_record", "app_amd", "app_bridgewait",
    "app_originate", "app_softhangup", "func_callerid", "func_channel", "func_strings",
    "func_logic", "func_cut", "func_global", "func_timeout", "func_math", "func_uri", "func_env",
    "func_cdr", "res_cdrel_custom", "cdr_custom",
)


@dataclass(frozen=True)
class SipEndpoint:
    """An agent's or a supervisor's softphone, or a trunk the PBX calls out through. Every one
    has a password: the PBX challenges each REGISTER and call that names it (digest auth)."""

    name: str
    password: str
    contact: str | None = None  # a static contact (sip:user@host:port); else the phone registers
    context: str = dp.CTX_AGENTS


@dataclass(frozen=True)
class QueueSpec:
    """A native queue: where the IVR hands calls until the engine's ACD delivers them."""

    name: str
    members: tuple[str, ...] = ()  # endpoint names


def render_all(
    pbx: PbxSettings, ami: AmiSettings, agi: AgiSettings, endpoints: tuple[SipEndpoint, ...] = (),
    queues: tuple[QueueSpec, ...] = (),
) -> dict[str, str]:
    """File name (relative to the config folder) -> content."""
    return {
        "asterisk.conf": render_asterisk_conf(),
        "modules.conf": render_modules_conf(),
        "logger.conf": LOGGER_CONF,
        "manager.conf": render_manager_conf(ami),
        "pjsip.conf": render_pjsip_conf(pbx, endpoints),
        "rtp.conf": f"[general]\nrtpstart={pbx.rtp_start}\nrtpend={pbx.rtp_end}\n",
        "extensions.conf": render_extensions_conf(pbx, agi),
        "queues.conf": render_queues_conf(endpoints, queues, pbx.queue_announce_seconds),
        "voicemail.conf": VOICEMAIL_CONF,
        "musiconhold.conf": f"[default]\nmode=files\ndirectory={PBX_MOUNT}/moh\n",
        "confbridge.conf": CONFBRIDGE_CONF,
        # Records of every call, so that calls the engine did not see still get their rows.
        "cdr.conf": "[general]\nenable=yes\nunanswered=yes\ncongestion=yes\n",
        "cdr_custom.conf": cdr.mapping(),
        "cel.conf": "[general]\nenable=no\n",
        "amd.conf": AMD_CONF,
        "acl.conf": "", "udptl.conf": "[general]\n", "pjproject.conf": "", "ccss.conf": "[general]\n",
        "features.conf": "[general]\n",
        "indications.conf": "[general]\ncountry=cn\n\n[cn]\ndescription=China\n"
        "ringcadence=1000,4000\ndial=450\nbusy=450/350,0/350\nring=450/1000,0/4000\n"
        "congestion=450/700,0/700\ncallwaiting=450/400,0/4000\n",
    }


def render_asterisk_conf() -> str:
    m = PBX_MOUNT
    return f"""[directories]
astetcdir => {m}/etc
astrundir => {m}/run
astlogdir => {m}/log
astspooldir => {m}/spool
astdbdir => {m}/lib
astkeydir => {m}/lib
astcachedir => {m}/cache
astvarlibdir => /var/lib/asterisk
astdatadir => /usr/share/asterisk
astagidir => /usr/share/asterisk/agi-bin
astmoddir => /usr/lib/x86_64-linux-gnu/asterisk/modules
astsbindir => /usr/sbin

[options]
verbose = 0
debug = 0
nofork = yes
transmit_silence = yes
defaultlanguage = en
"""


def render_modules_conf() -> str:
    lines = ["[modules]", "autoload = no"]
    lines += [f"load = {name}.so" for name in MODULES]
    return "\n".join(lines) + "\n"


LOGGER_CONF = """[general]
dateformat = %F %T.%3q

[logfiles]
messages.log => notice,warning,error
; empty unless a test raises the verbosity (core set verbose 3) to hear what is played
verbose.log => verbose
console => error
"""


# The engine reads its own variables (HOTLINE_*, with leading underscores when inherited) and
# MixMonitor's file name; the PBX drops the VarSet of every other variable (READSTATUS,
# BRIDGEPEER, QUEUEWAIT, ...: about 30 of a call's 47) before it is formatted and sent.
UNREAD_VARIABLES = "^([^_HM]|H[^O]|M[^I])"


# The action classes the engine's account may use, each as Asterisk 22 requires it (the PBX's
# ListCommands): call (Redirect, Hangup, PlayDTMF, Setvar, and Getvar, which checks that a
# phone's login channel exists), originate (Originate, of dialplan extensions only), system
# (MixMonitor and MuteAudio need it, and it covers StopMixMonitor, MixMonitorMute, Reload and
# CoreShowChannels). QueueStatus and Ping need none. Not `command` (the PBX's CLI) nor `config`
# (UpdateConfig): the engine changes the PBX only by the files it renders.
AMI_WRITE = "system,call,originate"


def render_manager_conf(ami: AmiSettings) -> str:
    filters = "".join(f"eventfilter(action(exclude),name({name})) =\n"
                      for name in ami.exclude_events)
    filters += ("eventfilter(action(exclude),name(VarSet),header(Variable),method(regex)) = "
                f"{UNREAD_VARIABLES}\n")
    return f"""[general]
enabled = yes
bindaddr = {ami.host}
port = {ami.port}
timestampevents = yes
displayconnects = no

[{ami.username}]
secret = {ami.secret.get_secret_value()}
deny = 0.0.0.0/0.0.0.0
permit = 127.0.0.1/255.0.0.0
read = {ami.read}
write = {AMI_WRITE}
writetimeout = 5000
{filters}"""


def render_pjsip_conf(pbx: PbxSettings, endpoints: tuple[SipEndpoint, ...]) -> str:
    media = "media_address=127.0.0.1\nbind_rtp_to_media_address=yes\n"
    codecs = "disallow=all\nallow=ulaw,alaw,gsm\n"
    parts = [
        f"[transport-udp]\ntype=transport\nprotocol=udp\nbind=127.0.0.1:{pbx.sip_port}\n",
        # Callers on the hotline are not identified by user: they land on the anonymous endpoint.
        f"[anonymous]\ntype=endpoint\ncontext={dp.CTX_INBOUND}\n{codecs}"
        f"dtmf_mode=auto_info\nrtp_timeout=60\n{media}",
    ]
    for ep in endpoints:
        if not ep.password:
            raise ValueError(f"SIP endpoint {ep.name!r} without a password")
        parts.append(
            f"[{ep.name}]\ntype=endpoint\ncontext={ep.context}\n{codecs}dtmf_mode=auto_info\n"
            f"aors={ep.name}\nauth={ep.name}\n{media}direct_media=no\n"
        )
        contact = f"contact={ep.contact}\n" if ep.contact else "max_contacts=1\nremove_existing=yes\n"
        parts.append(f"[{ep.name}]\ntype=aor\n{contact}qualify_frequency=0\n")
        parts.append(
            f"[{ep.name}]\ntype=auth\nauth_type=userpass\nusername={ep.name}\n"
            f"password={ep.password}\n"
        )
    return "\n".join(parts)


def agi_url(agi: AgiSettings, script: str) -> str:
    """A script of the engine's FastAGI server, with the key that makes the engine answer."""
    return (f"agi://{agi.host}:{agi.port}/{script}"
            f"?{dp.AGI_KEY_PARAM}={agi.secret.get_secret_value()}")


def render_extensions_conf(pbx: PbxSettings, agi: AgiSettings) -> str:
    prompt = f"{PBX_MOUNT}/prompts/${{{MAX_WAIT_LANGUAGE}}}"
    return f"""[general]
static = yes
writeprotect = yes

[{dp.CTX_INBOUND}]
exten => {pbx.hotline_number},1,NoOp(hotline call from ${{CALLERID(num)}})
 same => n,Set(__{dp.VAR_DIRECTION}=inbound)
 same => n,Set(CDR({cdr.DIALED})=${{EXTEN}})
 same => n,Answer()
 same => n,AGI({agi_url(agi, dp.AGI_SCRIPT_IVR)},${{CHANNEL(linkedid)}})
 same => n,GotoIf($["${{{dp.VAR_HANDLED}}}" = "1"]?handled)
 ; The engine is unreachable or failed: the caller still reaches someone useful.
 same => n,Set({dp.VAR_FALLBACK}=${{AGISTATUS}}:${{{dp.VAR_STEP}}})
 same => n,Goto({dp.CTX_FALLBACK},s,1)
 same => n(handled),GotoIf($["${{{dp.LAST_PROMPT_VAR}}}" = ""]?decided)
 same => n,Playback(${{{dp.LAST_PROMPT_VAR}}})
 same => n(decided),GotoIf($["${{{dp.VAR_QUEUE}}}" = ""]?done)
 same => n,Goto({dp.CTX_ACD},s,1)
 same => n(done),Hangup()
exten => _X!,1,Hangup(1)

; The caller waits in its own language: position announcements in Mandarin or English.
[{dp.CTX_ACD}]
exten => s,1,Set(CHANNEL(language)=${{IF($["${{{dp.VAR_LANGUAGE}}}" = "en"]?en:zh)}})
 same => n,Queue(${{{dp.VAR_QUEUE}}},,,,{pbx.queue_max_wait})
 same => n,GotoIf($["${{QUEUESTATUS}}" = "TIMEOUT"]?{dp.CTX_FALLBACK},vm,1)
 same => n,Goto({dp.CTX_FALLBACK},s,1)

; At the queue's maximum wait (sent here by the engine): a message, a callback, or wait on; a
; queue may offer only one of the two (message-only, callback-only).
[{dp.CTX_MAX_WAIT}]
exten => s,1,Set({MAX_WAIT_LANGUAGE}=${{IF($["${{{dp.VAR_LANGUAGE}}}" = "en"]?en:zh)}})
 same => n,Read(MAX_WAIT_CHOICE,{prompt}/max-wait-offer,1,,2,6)
 same => n,GotoIf($["${{MAX_WAIT_CHOICE}}" = "1"]?message)
 same => n,GotoIf($["${{MAX_WAIT_CHOICE}}" = "2"]?callback)
 same => n,Goto({dp.CTX_ACD},s,1)
 same => n(message),AGI({agi_url(agi, dp.AGI_SCRIPT_LEAVE_MESSAGE)})
 same => n,GotoIf($["${{{dp.VAR_HANDLED}}}" = "1"]?done)
 same => n,Goto({dp.CTX_FALLBACK},vm,1)
 same => n(callback),Set({dp.VAR_CALLBACK}=1)
 same => n,Playback({prompt}/callback-booked)
 same => n(done),Hangup()
exten => message-only,1,Set({MAX_WAIT_LANGUAGE}=${{IF($["${{{dp.VAR_LANGUAGE}}}" = "en"]?en:zh)}})
 same => n,Read(MAX_WAIT_CHOICE,{prompt}/max-wait-offer-message,1,,2,6)
 same => n,GotoIf($["${{MAX_WAIT_CHOICE}}" = "1"]?s,message)
 same => n,Goto({dp.CTX_ACD},s,1)
exten => callback-only,1,Set({MAX_WAIT_LANGUAGE}=${{IF($["${{{dp.VAR_LANGUAGE}}}" = "en"]?en:zh)}})
 same => n,Read(MAX_WAIT_CHOICE,{prompt}/max-wait-offer-callback,1,,2,6)
 same => n,GotoIf($["${{MAX_WAIT_CHOICE}}" = "2"]?s,callback)
 same => n,Goto({dp.CTX_ACD},s,1)

; A caller on hold: music, out of the agent's bridge, until the engine sends it back.
[{dp.CTX_HOLD}]
exten => s,1,MusicOnHold(default)
 same => n,Goto(s,1)

; An agent's blind transfer: the caller, its facts kept, waits in another queue (exten), whose
; agents the engine delivers it to as any caller.
[{dp.CTX_TRANSFER}]
exten => _[A-Z].,1,Set({dp.VAR_QUEUE}=${{EXTEN}})
 same => n,Goto({dp.CTX_ACD},s,1)

; An agent's consultation (exten = agent id). The person consulted, once answered, talks with
; the agent's leg while the caller is on hold. Another agent's leg (its SESSION_OF set) goes
; back to its own session after each of these; a phone hangs up.
[{dp.CTX_CONSULT}]
exten => _X!,1,Bridge(${{GLOBAL({dp.AGENT_LEG_GLOBAL}${{EXTEN}})}})
 same => n,GotoIf($["${{{dp.SESSION_OF_VAR}}}" != ""]?{dp.CTX_SESSION},${{{dp.SESSION_OF_VAR}}},{dp.IDLE_LABEL})
 same => n,Hangup()
; The three-way call: the caller is marked (its leaving ends the conference for all); the person
; consulted and the agent's leg may leave and the call goes on.
[{dp.CTX_CONSULT_JOIN}]
exten => _X!,1,ConfBridge({dp.CONSULT_PREFIX}${{EXTEN}},barge,barge_party)
 same => n,Hangup()
 same => n({dp.CONSULT_PEER_LABEL}),ConfBridge({dp.CONSULT_PREFIX}${{EXTEN}},barge,consult_party)
 same => n,GotoIf($["${{{dp.SESSION_OF_VAR}}}" != ""]?{dp.CTX_SESSION},${{{dp.SESSION_OF_VAR}}},{dp.IDLE_LABEL})
 same => n,Hangup()
; A completed consultation: the caller and the person consulted, either leaving ends it.
[{dp.CTX_CONSULT_PAIR}]
exten => _X!,1,ConfBridge(pair-${{EXTEN}},barge,barge_party)
 same => n,GotoIf($["${{{dp.SESSION_OF_VAR}}}" != ""]?{dp.CTX_SESSION},${{{dp.SESSION_OF_VAR}}},{dp.IDLE_LABEL})
 same => n,Hangup()

; An agent's blind transfer to an outside number (exten), through the trunk the engine set.
[{dp.CTX_TRANSFER_OUT}]
exten => _X.,1,Dial(PJSIP/${{EXTEN}}@${{{dp.OUTSIDE_TRUNK_VAR}}},60)
 same => n,Hangup()

; The agent ended the call of a queue that asks: the caller rates the service, one key 1..5.
[{dp.CTX_SURVEY}]
exten => s,1,Set({MAX_WAIT_LANGUAGE}=${{IF($["${{{dp.VAR_LANGUAGE}}}" = "en"]?en:zh)}})
 same => n,Read(RATING,{prompt}/survey-ask,1,,1,8)
 same => n,GotoIf($["${{RATING}}" = "" | "${{RATING}}" > "5" | "${{RATING}}" < "1"]?done)
 same => n,Set({dp.VAR_SURVEY}=${{RATING}})
 same => n,Playback({prompt}/survey-thanks)
 same => n(done),Hangup()

[{dp.CTX_FALLBACK}]
exten => s,1,Queue({dp.FALLBACK_QUEUE},,,,{pbx.queue_max_wait})
 same => n,Goto(vm,1)
exten => vm,1,VoiceMail({dp.FALLBACK_MAILBOX}@{dp.VOICEMAIL_CONTEXT},u)
 same => n,Hangup()

; The IVR's keypad input, called by the engine over FastAGI (ARG1 the step when it changes,
; ARG2 the prompts, ARG3 the digits, ARG4 the timeout): keys pressed between AGI commands are
; lost, so the step is set and Read starts in one round trip.
[{dp.CTX_IVR_COLLECT}]
exten => s,1,ExecIf($["${{ARG1}}" != ""]?Set({dp.VAR_STEP}=${{ARG1}}))
 same => n,Read({dp.IVR_INPUT_VAR},${{ARG2}},${{ARG3}},,1,${{ARG4}})
 same => n,Return()

[{dp.CTX_AGENTS}]
exten => {pbx.hotline_number},1,Goto({dp.CTX_INBOUND},{pbx.hotline_number},1)
; Log in from the phone: agent number and PIN, then this call stays as the agent's session.
exten => {pbx.agent_login_code},1,Answer()
 same => n,AGI({agi_url(agi, dp.AGI_SCRIPT_AGENT_LOGIN)})
 same => n,GotoIf($["${{{dp.VAR_SESSION_AGENT}}}" = ""]?failed)
 same => n,Goto({dp.CTX_SESSION},${{{dp.VAR_SESSION_AGENT}}},1)
 same => n(failed),Hangup()

; The agent's phone leg for the whole shift (exten = agent id). Idle, it waits alone in a
; holding bridge of its own that sends nothing and mixes nothing (100 idle legs: no CPU; in
; ConfBridges they cost the PBX 0.22 cores). Bridge() moves it out into a two-party bridge with
; the caller; when the call ends it comes back to the next priority, and so to waiting. A call
; a supervisor barges into moves, caller and leg together, into a conference of the agent's.
[{dp.CTX_SESSION}]
exten => _X!,1,Set(GLOBAL({dp.AGENT_LEG_GLOBAL}${{EXTEN}})=${{CHANNEL}})
 same => n,Set({dp.SESSION_OF_VAR}=${{EXTEN}})
 same => n({dp.IDLE_LABEL}),BridgeWait({dp.AGENT_BRIDGE_PREFIX}${{EXTEN}},participant,e(n))
 same => n,Goto(idle)
 same => n({dp.BARGE_LABEL}),ConfBridge({dp.BARGE_PREFIX}${{EXTEN}},barge,barge_party)
 same => n,Goto(idle)
 same => n({dp.CONSULT_LABEL}),ConfBridge({dp.CONSULT_PREFIX}${{EXTEN}},barge,consult_party)
 same => n,Goto(idle)
; A caller delivered to the agent. The agent's leg may be gone, or (never by the engine's
; choice) on another call: the caller never waits alone, it goes back to its queue and the
; engine keeps its place. When the agent's leg hangs up, the caller is hung up. A leg that has
; just come back to its holding bridge may still name its last peer for a moment (the PBX
; announces the entry before it updates the peer): asked again a few times before giving up.
[{dp.CTX_CONNECT}]
exten => _X!,1,Set({dp.VAR_AGENT}=${{EXTEN}})
 same => n,Set(CONNECT_TRIES=0)
 same => n(try),Set(LEG=${{GLOBAL({dp.AGENT_LEG_GLOBAL}${{EXTEN}})}})
 same => n,GotoIf($["${{LEG}}" = ""]?back)
 same => n,GotoIf($["${{IMPORT(${{LEG}},BRIDGEPEER)}}" != ""]?busy)
 same => n,Bridge(${{LEG}})
 same => n,GotoIf($["${{BRIDGERESULT}}" != "SUCCESS"]?busy)
 same => n,Hangup()
 same => n(busy),Set(CONNECT_TRIES=$[${{CONNECT_TRIES}} + 1])
 same => n,GotoIf($[${{CONNECT_TRIES}} > {CONNECT_RETRIES}]?back)
 same => n,Wait(0.1)
 same => n,Goto(try)
 same => n(back),GotoIf($["${{{dp.VAR_QUEUE}}}" = ""]?{dp.CTX_FALLBACK},s,1)
 same => n,Goto({dp.CTX_ACD},s,1)
; A supervisor barges into the call: the engine moves caller and agent's leg here together.
 same => n({dp.BARGE_LABEL}),ConfBridge({dp.BARGE_PREFIX}${{EXTEN}},barge,barge_party)
 same => n,Hangup()
; A recorded call: MixMonitor records both parties while the caller is in the bridge ("b"),
; once per call even when a failed delivery brings the caller back here.
[{dp.CTX_CONNECT_RECORDED}]
exten => _X!,1,ExecIf($["${{{dp.VAR_RECORDING_FILE}}}" = ""]?MixMonitor({RECORDINGS_DIR}/{dp.RECORDING_NAME},b))
 same => n,Goto({dp.CTX_CONNECT},${{EXTEN}},1)

; An answered outbound call: machines are told apart first (if the campaign asks, by its own
; parameters), a live answer waits the grace for the engine to redirect it to an agent, then
; hears the message. A call the engine chose to check goes on to an agent even if AMD says
; machine: the agent says whether a person was there.
[{dp.CTX_OUTBOUND}]
exten => answered,1,GotoIf($["${{{dp.VAR_DETECT_MACHINE}}}" != "1"]?live)
 same => n,AMD({AMD_ARGUMENTS})
 same => n,Set({dp.VAR_AMD_RESULT}=${{AMDSTATUS}}:${{AMDCAUSE}})
 same => n,GotoIf($["${{AMDSTATUS}}" != "MACHINE"]?live)
 same => n,GotoIf($["${{{dp.VAR_AMD_CHECK}}}" != "1"]?machine)
 same => n(live),Set({dp.VAR_OUTBOUND}=live)
 same => n,Set(CDR({cdr.OUTBOUND})=live)
 same => n,Wait(${{{dp.VAR_GRACE}}})
 same => n,Set({dp.VAR_OUTBOUND}=abandoned)
 same => n,Set(CDR({cdr.OUTBOUND})=abandoned)
 same => n,Playback(${{{dp.VAR_ABANDON_MESSAGE}}})
 same => n,Hangup()
 same => n(machine),Set({dp.VAR_OUTBOUND}=machine)
 same => n,Set(CDR({cdr.OUTBOUND})=machine)
 same => n,Hangup()

; A supervisor's phone on an agent's call: listen and whisper (the agent alone hears) spy on
; the agent's leg; barging joins the call's conference (the engine moved the call there), so
; agent and caller both hear, and so does the call's recording. After a barged call the
; supervisor listens on. The engine changes the mode by redirecting the supervisor's channel.
[{dp.CTX_MONITOR}]
exten => listen,1,ChanSpy(${{{dp.VAR_MONITOR_TARGET}}},qE)
 same => n,Hangup()
exten => whisper,1,ChanSpy(${{{dp.VAR_MONITOR_TARGET}}},qEw)
 same => n,Hangup()
exten => barge,1,Set(CONFERENCE={dp.BARGE_PREFIX}${{{dp.VAR_MONITOR_AGENT}}})
 same => n,GotoIf($[${{CONFBRIDGE_INFO(parties,${{CONFERENCE}})}} = 0]?listen,1)
 same => n,ConfBridge(${{CONFERENCE}},barge,supervisor_party)
 same => n,Goto(listen,1)
"""


def render_queues_conf(endpoints: tuple[SipEndpoint, ...], queues: tuple[QueueSpec, ...],
                       announce_seconds: int = 30) -> str:
    everyone = QueueSpec(dp.FALLBACK_QUEUE, tuple(ep.name for ep in endpoints))
    # autofill: every waiting caller a free member can take rings at once (Asterisk 22 as
    # packaged here defaults to no: callers behind the head wait, rechecking once a second).
    parts = ["[general]\npersistentmembers = no\nautofill = yes\n"]
    for queue in (everyone, *queues):
        # ringinuse = no: a phone in its agent session is busy, the engine delivers to it.
        lines = [f"[{queue.name}]", "strategy = ringall", "musicclass = default", "timeout = 15",
                 "retry = 2", "ringinuse = no", "joinempty = yes", "leavewhenempty = no",
                 "announce-position = yes", f"announce-frequency = {announce_seconds}"]
        lines += [f"member => PJSIP/{name}" for name in queue.members]
        parts.append("\n".join(lines) + "\n")
    return "\n".join(parts)


VOICEMAIL_CONF = f"""[general]
format = wav
maxmsg = 1000
maxsecs = 180
attach = no

[{dp.VOICEMAIL_CONTEXT}]
{dp.FALLBACK_MAILBOX} => 0000,Hotline fallback
"""

# A barged call's conference: caller and agent are marked and each leaves with the other (the
# leg back to waiting); the supervisor leaves with them, and may leave alone.
CONFBRIDGE_CONF = """[general]

[barge]
type = bridge
max_members = 10

[barge_party]
type = user
quiet = yes
marked = yes
end_marked_any = yes
announce_join_leave = no

[supervisor_party]
type = user
quiet = yes
end_marked_any = yes
announce_join_leave = no

; In a three-way call, the agent and the person consulted: either may leave, the call goes on.
[consult_party]
type = user
quiet = yes
end_marked_any = yes
announce_join_leave = no
"""

AMD_ARGUMENTS = ",".join(f"${{CUT({dp.VAR_AMD},{dp.AMD_SEPARATOR},{i})}}" for i in range(1, 10))

# How often a delivery asks again for an agent's leg that still names a peer (0.1 s apart).
CONNECT_RETRIES = 5

# Answering-machine detection defaults (app_amd declines to load without this file).
AMD_CONF = """[general]
initial_silence = 2500
greeting = 1500
after_greeting_silence = 800
total_analysis_time = 5000
min_word_length = 100
between_words_silence = 50
maximum_number_of_words = 3
silence_threshold = 256
maximum_word_length = 5000
"""
