"""Dialplan context names and channel-variable names shared by the renderer, the IVR and the
tracker."""

CTX_INBOUND = "hotline-inbound"
CTX_FALLBACK = "hotline-fallback"
CTX_AGENTS = "hotline-agents"
CTX_ACD = "hotline-acd"
CTX_SESSION = "hotline-session"
CTX_CONNECT = "hotline-connect"
CTX_CONNECT_RECORDED = "hotline-connect-recorded"  # the same, with the call recorded
CTX_MONITOR = "hotline-monitor"  # a supervisor's phone listening, whispering or barging
CTX_MAX_WAIT = "hotline-max-wait"
# The max-wait context's extension for each offer (acd's MaxWaitOffer values): both, or one.
MAX_WAIT_OFFER_EXTENS = {"message_or_callback": "s", "message": "message-only",
                         "callback": "callback-only"}
CTX_OUTBOUND = "hotline-outbound"  # where an originated call goes once the customer answers
# A subroutine the IVR calls over FastAGI: the step (when new) and Read in one round trip.
CTX_IVR_COLLECT = "hotline-ivr-collect"
# What the caller keyed in the IVR. Not HOTLINE_*: the tracker stores those, and this holds PINs.
IVR_INPUT_VAR = "IVR_INPUT"
AGENT_BRIDGE_PREFIX = "agent-"  # the holding bridge where an agent's idle leg waits
# A global variable per agent (AGENT_LEG_<id>): the agent's leg, set by the leg itself as it
# enters its session; the connect context bridges the caller with it. Its VarSet is filtered out.
AGENT_LEG_GLOBAL = "AGENT_LEG_"
# Barging: the call (caller and agent's leg) moves into a conference of the agent's, which the
# supervisor joins. The label is a priority in CTX_CONNECT and CTX_SESSION.
BARGE_PREFIX = "barge-"
BARGE_LABEL = "barge"
IDLE_LABEL = "idle"  # the priority in CTX_SESSION where the agent's leg waits in its bridge
SESSION_OF_VAR = "SESSION_OF"  # on an agent's leg: its agent's id, to come back to the session
FALLBACK_QUEUE = "hotline-fallback"
VOICEMAIL_CONTEXT = "hotline"
FALLBACK_MAILBOX = "9000"
AGI_SCRIPT_IVR = "ivr"
AGI_SCRIPT_AGENT_LOGIN = "agent-login"
AGI_SCRIPT_LEAVE_MESSAGE = "leave-message"
# The query parameter of every AGI URL in the dialplan that carries the engine's AGI key: the
# engine answers only requests that have it (the dialplan is readable by the PBX alone).
AGI_KEY_PARAM = "key"

# Variables the engine sets on the customer's channel; the call tracker reads them back from
# the PBX's own VarSet events, so the call record never depends on what the engine intended.
VAR_PREFIX = "HOTLINE_"
VAR_CARD = "HOTLINE_CARD"
VAR_RETAILER = "HOTLINE_RETAILER"
VAR_RETAILER_CLASS = "HOTLINE_RETAILER_CLASS"
VAR_BRANCH = "HOTLINE_BRANCH"
VAR_BUSINESS_TYPE = "HOTLINE_BUSINESS_TYPE"
VAR_QUEUE = "HOTLINE_QUEUE"
VAR_AGENT = "HOTLINE_AGENT"
VAR_STEP = "HOTLINE_STEP"
VAR_LANGUAGE = "HOTLINE_LANGUAGE"
VAR_IVR_PATH = "HOTLINE_IVR_PATH"
VAR_DIRECTION = "HOTLINE_DIRECTION"
VAR_FALLBACK = "HOTLINE_FALLBACK"
VAR_MONITOR_TARGET = "HOTLINE_MONITOR_TARGET"  # the agent leg a supervisor monitors
VAR_MONITOR_AGENT = "HOTLINE_MONITOR_AGENT"  # and that agent's id (barging joins its conference)
VAR_SURVEY = "HOTLINE_SURVEY"  # the caller's rating (1..5) after the agent ended the call
CTX_SURVEY = "hotline-survey"
CTX_TRANSFER = "hotline-transfer"  # exten: the queue a caller is transferred to
CTX_HOLD = "hotline-hold"  # a caller the agent put on hold: music until the engine resumes it
# A consultation (exten: the consulting agent's id): the person consulted bridged with the
# agent's leg; the three-way conference (the caller; the person consulted at its label; the
# agent's leg at CONSULT_LABEL in CTX_SESSION). A completed one's two parties meet in a
# conference of their own (exten: a number).
CTX_CONSULT = "hotline-consult"
CTX_CONSULT_JOIN = "hotline-consult-join"
CTX_CONSULT_PAIR = "hotline-consult-pair"
CONSULT_PEER_LABEL = "peer"
CONSULT_LABEL = "consult"
CONSULT_PREFIX = "consult-"
CTX_TRANSFER_OUT = "hotline-transfer-out"  # exten: the outside number a caller is transferred to
OUTSIDE_TRUNK_VAR = "OUTSIDE_TRUNK"  # the PJSIP endpoint that transfer goes out through
VAR_CALLBACK = "HOTLINE_CALLBACK"  # 1: the caller asked to be called back at the max wait
# Set by the agent-login AGI on the agent's own call: the agent whose session that call becomes.
VAR_SESSION_AGENT = "HOTLINE_SESSION_AGENT"
# Set by the engine once it has decided where the call goes; without it the dialplan falls back
# (a crashed handler or an unknown script still ends the AGI with AGISTATUS=SUCCESS).
VAR_HANDLED = "HOTLINE_HANDLED"
# The IVR's last prompts (say, "transferring you"), played by the dialplan once the AGI has ended:
# one round trip fewer a call, and no FastAGI session held open while they play. Not HOTLINE_*:
# the PBX does not send the engine its VarSet.
LAST_PROMPT_VAR = "IVR_LAST_PROMPT"
# Set by MixMonitor itself on the recorded channel: the file it writes (as the PBX sees it).
VAR_RECORDING_FILE = "MIXMONITOR_FILENAME"
# Where a call's recording goes, under the PBX's monitor folder: by day, named by the call.
RECORDING_NAME = "${STRFTIME(${EPOCH},,%Y/%m/%d)}/${CHANNEL(linkedid)}.wav"
MONITOR_MODES = ("listen", "whisper", "barge")
# Outbound: set by the engine when it originates (with the campaign and attempt for the record).
VAR_CAMPAIGN = "HOTLINE_CAMPAIGN"
VAR_ATTEMPT = "HOTLINE_ATTEMPT"
VAR_DETECT_MACHINE = "HOTLINE_DETECT_MACHINE"  # 1: answering-machine detection first
# AMD()'s nine arguments, in its order, joined by AMD_SEPARATOR (an Originate's variable may
# not hold a comma); one left empty takes amd.conf's value
VAR_AMD = "HOTLINE_AMD"
AMD_SEPARATOR = "/"
VAR_AMD_CHECK = "HOTLINE_AMD_CHECK"  # 1: a call AMD takes for a machine goes on to an agent
VAR_AMD_RESULT = "HOTLINE_AMD_RESULT"  # set by the dialplan: AMDSTATUS:AMDCAUSE
VAR_GRACE = "HOTLINE_GRACE"  # seconds a live answer waits for an agent before it is abandoned
VAR_ABANDON_MESSAGE = "HOTLINE_ABANDON_MESSAGE"  # the files Playback says to an abandoned call
# Set by the dialplan on an answered outbound call: live, machine, then abandoned if no agent
# took it within the grace (the PBX itself keeps the time, so a slow engine cannot stretch it).
VAR_OUTBOUND = "HOTLINE_OUTBOUND"
