"""The one Settings object: environment variables prefixed HOTLINE_, groups joined by '__'."""
import secrets
from pathlib import Path

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from asterisk.settings import AgiSettings, AmiSettings, PbxSettings
from dialer.settings import DialerSettings
from dialer.sheets import Limits
from ivr.settings import IvrSettings
from models.settings import DbSettings


class HttpSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 8080


class AuthSettings(BaseModel):
    token_hours: float = 12.0  # a shift
    max_failed_logins: int = 5  # in a row, then the user is locked
    lock_minutes: int = 15
    # Signs short-lived links to recordings (the browser's player cannot send a bearer token);
    # random per process unless set, so a restart voids the links given out.
    link_secret: SecretStr = Field(default_factory=lambda: SecretStr(secrets.token_hex(32)))
    link_minutes: int = 30


class ImportSettings(BaseModel):
    """What an uploaded file may hold (HOTLINE_IMPORTS__CONTACTS__MAX_ROWS, ...); beyond any
    limit it is refused as a whole, naming the limit."""
    contacts: Limits = Limits()
    # a retailers' file is held whole (every row's change is checked before any is written)
    retailers: Limits = Limits(max_bytes=5 << 20, max_rows=10_000)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOTLINE_", env_nested_delimiter="__")

    data_dir: Path = Path("var")
    log_level: str = "INFO"
    http: HttpSettings = HttpSettings()
    auth: AuthSettings = AuthSettings()
    ami: AmiSettings = AmiSettings()
    agi: AgiSettings = AgiSettings()
    pbx: PbxSettings = PbxSettings()
    db: DbSettings = DbSettings()
    ivr: IvrSettings = IvrSettings()
    dialer: DialerSettings = DialerSettings()
    imports: ImportSettings = ImportSettings()

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
