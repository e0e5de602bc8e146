from pydantic import BaseModel, Field


class DialerSettings(BaseModel):
    trunk: str = "customers"  # the PJSIP endpoint calls go out through: PJSIP/<phone>@<trunk>
    max_lines: int = Field(default=30, ge=1)  # calls ringing or live at once, all campaigns
    tick_seconds: float = 0.5  # how often pacing decides
    grace_seconds: int = Field(default=2, ge=1, le=10)  # a live answer waits this for an agent
    calls_per_retailer_per_day: int = Field(default=2, ge=1)  # across all campaigns
    quiet_hours_after_abandon: float = 72.0
    language: str = "zh"  # of the message an abandoned call hears
