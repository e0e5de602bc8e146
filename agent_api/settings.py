"""The one Settings object: environment variables prefixed HOTLINE_, groups joined by '__'."""
from pathlib import Path

from pydantic import BaseModel
from pydantic_settings import BaseSettings, SettingsConfigDict

from asterisk.settings import AgiSettings, AmiSettings, PbxSettings
from ivr.settings import IvrSettings
from models.settings import DbSettings


class HttpSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 8080


class AuthSettings(BaseModel):
    token_hours: float = 12.0  # a shift
    max_failed_logins: int = 5  # in a row, then the user is locked
    lock_minutes: int = 15


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

    @property
    def voicemail_dir(self):
        return self.ivr.voicemail_dir or self.pbx.run_dir / "voicemail"
