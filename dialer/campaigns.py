"""A campaign's life: which command moves it from which state to which. Pure code."""
from __future__ import annotations

from models import CampaignState

# command -> (the states it may be given in, the state it leads to)
COMMANDS: dict[str, tuple[frozenset[CampaignState], CampaignState]] = {
    "start": (frozenset({CampaignState.DRAFT, CampaignState.STOPPED, CampaignState.FINISHED}),
              CampaignState.RUNNING),
    "pause": (frozenset({CampaignState.RUNNING}), CampaignState.PAUSED),
    "resume": (frozenset({CampaignState.PAUSED}), CampaignState.RUNNING),
    "stop": (frozenset({CampaignState.RUNNING, CampaignState.PAUSED}), CampaignState.STOPPED),
}

DEFAULT_RETRIES = {
    "busy": {"delay_minutes": 10, "max_attempts": 3},
    "no_answer": {"delay_minutes": 60, "max_attempts": 3},
    "failed": {"delay_minutes": 30, "max_attempts": 2},
}


class CommandRefused(ValueError):
    pass


def apply_command(state: CampaignState, command: str) -> CampaignState:
    if command not in COMMANDS:
        raise CommandRefused(f"no command {command!r} (use {', '.join(COMMANDS)})")
    allowed, to = COMMANDS[command]
    if state not in allowed:
        raise CommandRefused(f"cannot {command} a {state} campaign (only when "
                             f"{' or '.join(sorted(allowed))})")
    return to
