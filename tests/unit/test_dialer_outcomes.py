import pytest

from dialer.outcomes import from_hangup_cause, from_originate_reason


@pytest.mark.parametrize("cause, outcome", [
    (17, "busy"), (19, "no_answer"), (18, "no_answer"), (21, "no_answer"), (34, "congestion"),
    (38, "congestion"), (1, "failed"), (16, "failed"), (0, "failed"), (127, "failed"),
])
def test_hangup_causes(cause, outcome):
    assert from_hangup_cause(cause) == outcome


@pytest.mark.parametrize("reason, outcome", [
    (0, "failed"), (1, "no_answer"), (3, "no_answer"), (5, "busy"), (8, "congestion"),
    (4, "failed"),  # "answered" is never a failure reason; if it comes, nothing is assumed
])
def test_originate_reasons(reason, outcome):
    assert from_originate_reason(reason) == outcome
