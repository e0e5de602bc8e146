from pathlib import Path

from pydantic import BaseModel


class IvrSettings(BaseModel):
    # Prompts are built once into a cache; a recorded file dropped into custom_prompts_dir
    # (<lang>/<key>.wav) replaces the generated one.
    prompts_dir: Path = Path("/var/cache/hotline/prompts")
    custom_prompts_dir: Path = Path("prompts")
    # The same folders as the PBX sees them (the local PBX mounts its run folder at /pbx).
    pbx_prompts_dir: str = "/pbx/prompts"
    pbx_voicemail_dir: str = "/pbx/voicemail"
    voicemail_dir: Path | None = None  # the engine's view of pbx_voicemail_dir; None: run folder
    pin_failures_before_lock: int = 3
    pin_lock_minutes: int = 30
    voicemail_max_seconds: int = 120
    # Every branch open at every hour, hours and holidays aside: to try the agents' path at any
    # hour (`hotline demo --open-all-hours`). Never for production.
    open_around_the_clock: bool = False
