"""What the PBX said about a call it placed, as an attempt's outcome. Pure code.

Two sources: the Hangup cause (Q.850) of a channel that ended unanswered, and the
OriginateResponse reason (Asterisk's control frame) when the PBX gave up on its own, sometimes
before any channel existed. Measured on Asterisk 22: a busy (486) or failed (503) call gets
reason 0 first and its cause in the Hangup after, so reason 0 waits for the Hangup."""
from models import AttemptOutcome

BUSY_CAUSES = {17}  # user busy
NO_ANSWER_CAUSES = {18, 19, 21, 31}  # no user responding, no answer, call rejected, unspecified
CONGESTION_CAUSES = {34, 38, 41, 42, 44, 47}  # no circuit, network out of order, ...
ORIGINATE_REASONS = {1: AttemptOutcome.NO_ANSWER,  # hung up while ringing
                     3: AttemptOutcome.NO_ANSWER,  # still ringing at the ring time
                     5: AttemptOutcome.BUSY,
                     8: AttemptOutcome.CONGESTION}


def from_hangup_cause(cause: int) -> AttemptOutcome:
    if cause in BUSY_CAUSES:
        return AttemptOutcome.BUSY
    if cause in NO_ANSWER_CAUSES:
        return AttemptOutcome.NO_ANSWER
    if cause in CONGESTION_CAUSES:
        return AttemptOutcome.CONGESTION
    return AttemptOutcome.FAILED


def from_originate_reason(reason: int) -> AttemptOutcome:
    """0 (the channel could not be made or dialed at all) and anything unknown: failed."""
    return ORIGINATE_REASONS.get(reason, AttemptOutcome.FAILED)
