"""The IVR's commands over FastAGI, against a scripted PBX: how many round trips lie between one
keypad read and the next (keys pressed in between are lost to Asterisk)."""
from pathlib import Path

import pytest

from asterisk import dialplan as dp
from asterisk.agi import AgiHangup
from ivr import flow
from ivr.agi_app import IvrApp
from ivr.settings import IvrSettings
from tests.unit.test_agi_server import session

GOSUB_DONE = "100 result=0 Trying...\n200 result=0 Gosub complete\n"


class Store:
    """The IVR's reads: an organisation with one business type, an unknown caller."""

    def __init__(self) -> None:
        self.kept: list[flow.PathEntry] = []

    async def menu_context(self, caller: str) -> flow.CallContext:
        return flow.CallContext(caller, (("order", "1"),), frozenset({"BJ"}))

    async def caller_facts(self, linkedid: str, caller: str):
        return 0, None

    def keep_path(self, linkedid, first, path, timings) -> None:
        self.kept = list(path)


async def test_each_keypad_read_is_one_subroutine_and_one_get_and_the_step_is_set_when_new():
    store = Store()
    app = IvrApp(store, IvrSettings(), Path("/tmp"))
    s, _, writer = session(GOSUB_DONE, "200 result=1 (OK|7)\n",  # a key the menu does not know
                           GOSUB_DONE, "200 result=1 (HANGUP|)\n")
    with pytest.raises(AgiHangup):
        await app.handle(s)
    first, get, again, _ = writer.lines
    gosub = f"GOSUB {dp.CTX_IVR_COLLECT} s 1 "
    step, prompts, digits, seconds = first.removeprefix(gosub).split(",")
    assert (step, digits, seconds) == ("menu", "1", "5")
    assert prompts.startswith("/pbx/prompts/zh/welcome&/pbx/prompts/zh/bt-order&")
    assert get == f"GET FULL VARIABLE ${{READSTATUS}}|${{{dp.IVR_INPUT_VAR}}}"
    # Asked again in the same step: the step is not set again, the prompts are read at once.
    assert again.startswith(f"{gosub},/pbx/prompts/zh/")
    assert [(p.state, p.keys) for p in store.kept][:1] == [("menu", "7")]
