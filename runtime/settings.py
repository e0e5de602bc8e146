"""The one Settings object: environment variables prefixed HOTLINE_, groups joined by '__'."""
import secrets
from datetime import time
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from asterisk.cdr import CDR_FILE
from asterisk.settings import AgiSettings, AmiSettings, PbxSettings
from dialer.settings import DialerSettings
from dialer.sheets import Limits
from ivr.settings import IvrSettings
from models.settings import DbSettings
from models.throttle import Limit, LoginThrottle
from services.reports.query import Grouping


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


class HttpSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 8080
    # A connection that has not sent a whole request head this many seconds after it opened
    # (or after its last response) is closed: slow clients cannot hold connections open.
    header_timeout: float = 10.0
    ws_max_bytes: int = 64 * 1024  # a WebSocket message from a client, at most
    # A request's body, at most: JSON and forms (read whole), and uploads (unset: the largest
    # file `imports` lets through, with 1 MiB for its multipart envelope).
    max_json_bytes: int = Field(default=1 << 20, ge=1024)
    max_body_bytes: int | None = Field(default=None, ge=1024)


class ThrottleSettings(BaseModel):
    """Waits after failed password logins (models/throttle.py): per user name from one
    address, per address, per user name from every address; each limit given whole, e.g.
    HOTLINE_AUTH__LOGIN__PER_PAIR='{"free": 5, "first_wait": 1, "max_wait": 900}'. A
    distributed guessing of one name slows its real user by `per_name.max_wait` at most."""
    per_pair: Limit = Limit(free=5, first_wait=1.0, max_wait=900.0)
    per_source: Limit = Limit(free=20, first_wait=1.0, max_wait=900.0)
    per_name: Limit = Limit(free=50, first_wait=1.0, max_wait=30.0)
    forget_after: float = 900.0  # seconds after a count's last failure

    def throttle(self) -> LoginThrottle:
        return LoginThrottle(self.per_pair, self.per_source, self.per_name,
                             forget_after=self.forget_after)


class PhoneThrottleSettings(ThrottleSettings):
    """PIN logins from a phone (*90): per agent number from one phone, per phone, per number."""
    per_pair: Limit = Limit(free=3, first_wait=5.0, max_wait=900.0)
    per_source: Limit = Limit(free=10, first_wait=5.0, max_wait=900.0)
    per_name: Limit = Limit(free=20, first_wait=5.0, max_wait=60.0)


class AuthSettings(BaseModel):
    token_hours: float = 12.0  # a shift
    login: ThrottleSettings = ThrottleSettings()
    phone_login: PhoneThrottleSettings = PhoneThrottleSettings()
    # Signs short-lived links to recordings (the browser's player cannot send a bearer token);
    # random per process unless set, so a restart voids the links given out.
    link_secret: SecretStr = Field(default_factory=lambda: SecretStr(secrets.token_hex(32)))
    link_minutes: int = 30


class MetricsSettings(BaseModel):
    # A scraper of /metrics sends `Authorization: Bearer <token>`. Unset: only this machine
    # may scrape (a loopback peer whose request came through no proxy).
    token: SecretStr | None = None


class ImportSettings(BaseModel):
    """What an uploaded file may hold (HOTLINE_IMPORTS__CONTACTS__MAX_ROWS, ...); beyond any
    limit it is refused as a whole, naming the limit."""
    contacts: Limits = Limits()
    # a retailers' file is held whole (every row's change is checked before any is written)
    retailers: Limits = Limits(max_bytes=5 << 20, max_rows=10_000)


class SmtpSettings(BaseModel):
    """The mail server scheduled reports are sent through (HOTLINE_SMTP__HOST, ...); without a
    host they are only written to their folder."""
    host: str | None = None
    port: int = Field(default=25, ge=1, le=65535)
    sender: str = "hotline@localhost"  # the From address
    user: str | None = None
    password: SecretStr | None = None
    starttls: bool = False
    timeout: float = Field(default=30.0, gt=0)


class ReportFilters(BaseModel):
    model_config = {"extra": "forbid"}
    branch: str | None = None
    queue: str | None = None
    agent: str | None = None
    campaign: int | None = None
    business_type: str | None = None


class ScheduledReport(BaseModel):
    """One report written (and mailed) every day for the day before, or every Monday for the
    week before."""
    model_config = {"extra": "forbid"}
    report: str
    every: Literal["daily", "weekly"]
    grouping: Grouping = Grouping.DAY
    filters: ReportFilters = ReportFilters()
    to: list[str] = []  # mail addresses; none: the folder only
    lang: Literal["zh", "en"] = "zh"

    @field_validator("report")
    @classmethod
    def _known(cls, name: str) -> str:
        from services.reports.registry import REPORTS
        if name not in REPORTS:
            raise ValueError(f"no report {name!r} (reports: {', '.join(sorted(REPORTS))})")
        return name


class ReportSettings(BaseModel):
    """Scheduled reports (HOTLINE_REPORTS__SCHEDULES as JSON: a list of {report, every, grouping,
    filters, to, lang}), due at `at` on `timezone`'s clock, written as XLSX into `folder`
    (default: the data folder's reports/)."""
    schedules: list[ScheduledReport] = []
    at: time = time(6, 0)
    timezone: str = "Asia/Shanghai"
    folder: Path | None = None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOTLINE_", env_nested_delimiter="__")

    data_dir: Path = Path("var")
    log_level: str = "INFO"
    http: HttpSettings = HttpSettings()
    auth: AuthSettings = AuthSettings()
    metrics: MetricsSettings = MetricsSettings()
    ami: AmiSettings = AmiSettings()
    agi: AgiSettings = AgiSettings()
    pbx: PbxSettings = PbxSettings()
    db: DbSettings = DbSettings()
    ivr: IvrSettings = IvrSettings()
    dialer: DialerSettings = DialerSettings()
    imports: ImportSettings = ImportSettings()
    reports: ReportSettings = ReportSettings()
    smtp: SmtpSettings = SmtpSettings()

    @model_validator(mode="after")
    def _in_the_data_dir(self) -> "Settings":
        """The SQLite database and the PBX's run folder live in the data folder unless set
        apart (HOTLINE_DB__URL, HOTLINE_PBX__RUN_DIR): two engines started from one folder with
        two data folders share nothing."""
        if "url" not in self.db.model_fields_set:
            self.db = self.db.model_copy(update={"url": sqlite_url(self.data_dir / "hotline.db")})
        if "run_dir" not in self.pbx.model_fields_set:
            self.pbx = self.pbx.model_copy(update={"run_dir": self.data_dir / "pbx"})
        return self

    @property
    def reports_dir(self) -> Path:
        return self.reports.folder or self.data_dir / "reports"

    @property
    def voicemail_dir(self):
        return self.ivr.voicemail_dir or self.pbx.run_dir / "voicemail"

    @property
    def menu_prompts_dir(self) -> Path:
        """The business types' own prompts (<lang>/bt-<code>.wav), spoken or uploaded by an
        administrator; shown to the PBX over the built ones."""
        return self.data_dir / "menu-prompts"

    @property
    def recordings_dir(self) -> Path:
        return self.pbx.recordings_dir or self.pbx.run_dir / "recordings"

    @property
    def cdr_file(self) -> Path:
        """The PBX's own call records (cdr_custom), as the engine sees them."""
        return self.pbx.run_dir / CDR_FILE
