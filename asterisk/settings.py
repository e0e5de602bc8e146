"""Settings groups for everything that speaks to the PBX (composed by runtime.settings)."""
import re
import secrets
from pathlib import Path

from pydantic import BaseModel, Field, SecretStr, field_validator


class AmiSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 5038
    username: str = "hotline"
    secret: SecretStr = SecretStr("hotline-dev-secret")
    server_name: str = "local"
    action_timeout: float = 5.0
    ping_interval: float = 2.0
    # A loaded machine's PBX answered a ping after 2 s: the link dropped, and the resync took an
    # agent's leg on its way between bridges for gone. A dead link is still seen within 7 s.
    ping_timeout: float = 5.0
    reconnect_min: float = 0.1
    reconnect_max: float = 5.0
    # What the PBX sends the engine. Left out by default: agi (AGIExec*), dtmf, cdr, cel,
    # reporting (RTCP reports of every channel), log, verbose, security, and the Newexten of
    # every dialplan step: the engine uses none of them, and they are most of the traffic.
    read: str = "system,call,agent,dialplan,originate,user"
    # Of the classes read, events the engine does not use either (about 12 a call: a delivery
    # makes a two-party bridge and, for the agent's leg, a new holding bridge).
    exclude_events: tuple[str, ...] = (
        "Newexten", "HangupRequest", "SoftHangupRequest", "NewCallerid", "NewConnectedLine",
        "DialState", "MusicOnHoldStart", "MusicOnHoldStop", "BridgeCreate", "BridgeDestroy",
        "ConfbridgeStart", "ConfbridgeEnd", "ConfbridgeJoin", "ConfbridgeLeave")


class AgiSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 4573
    header_timeout: float = 5.0
    command_timeout: float = 60.0
    # The key the dialplan's AGI URLs carry (agi://host:port/script?key=...): the engine acts
    # only on requests that have it. Random per process unless set: a PBX rendered by another
    # process (`hotline pbx render`, or `pbx up` beside `serve`) needs the same
    # HOTLINE_AGI__SECRET in both.
    secret: SecretStr = Field(default_factory=lambda: SecretStr(secrets.token_urlsafe(24)))

    @field_validator("secret")
    @classmethod
    def _fits_a_url(cls, secret: SecretStr) -> SecretStr:
        if not re.fullmatch(r"[A-Za-z0-9_-]{16,128}", secret.get_secret_value()):
            raise ValueError("16 to 128 letters, digits, '-' or '_' (it goes into a URL)")
        return secret


class PbxSettings(BaseModel):
    root: Path = Path("/var/cache/hotline/pbx-root")
    run_dir: Path = Path("var/pbx")
    sip_port: int = 5060
    rtp_start: int = 20000
    rtp_end: int = 20999
    hotline_number: str = "4000"
    agent_login_code: str = "*90"  # dialed from an agent's phone: agent number, PIN, session
    queue_announce_seconds: int = 30  # a waiting caller hears its position this often
    queue_max_wait: int = 300  # seconds in a queue before the caller is offered voicemail
    # the PBX's recordings as the engine sees them; else run_dir's
    recordings_dir: Path | None = None
    recording_retention_days: int = 365  # the purge removes recordings older than this
    boot_timeout: float = 60.0
    # Phones at a fixed address (endpoint -> sip URI), for development and tests: called there
    # rather than where they registered (their calls still need their secret); an endpoint
    # named here and not in the database (a trunk of test customers) is added, with a random
    # password nobody knows.
    static_contacts: dict[str, str] = Field(default_factory=dict)
    mirror: str | None = Field(
        default=None, description="Debian mirror; read from apt sources when unset")
