"""FastAGI entry points of the IVR. The foundation greets the caller; the navigation flow
(business type, card number, routing) is built on this in ivr/."""
import logging

from asterisk import dialplan as dp
from asterisk.agi import AgiSession, Handler

log = logging.getLogger("hotline.ivr")

GREETING = "hello-world"
MENU_WAIT_MS = 3000


async def greet(session: AgiSession) -> None:
    await session.answer()
    await session.set_variable(dp.VAR_STEP, "greeting")
    await session.stream_file(GREETING)
    await session.set_variable(dp.VAR_STEP, "greeted")
    await session.wait_for_digit(MENU_WAIT_MS)  # where the business-type menu will listen
    await session.set_variable(dp.VAR_HANDLED, "1")
    log.info("caller greeted", extra={"uniqueid": session.request.uniqueid})


def routes() -> dict[str, Handler]:
    return {dp.AGI_SCRIPT_IVR: greet}
