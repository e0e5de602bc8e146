import asyncio

import pytest
from pydantic import SecretStr

from asterisk.ami import (
    AmiActionFailed,
    AmiClient,
    AmiNotConnected,
    AmiTimeout,
    LinkDown,
    LinkUp,
)
from asterisk.events import FullyBooted, Hangup, OriginateResponse, OtherEvent, channel_from
from asterisk.settings import AmiSettings
from tests.unit.fake_ami import FakeAmi


def settings(port: int, **kw) -> AmiSettings:
    base = dict(port=port, secret=SecretStr("s3cret"), ping_interval=0.1, ping_timeout=0.1,
                action_timeout=0.3, reconnect_min=0.02, reconnect_max=0.1)
    return AmiSettings(**(base | kw))


async def next_of(queue: asyncio.Queue, kind: type, timeout: float = 2.0):
    async def find():
        while not isinstance(item := await queue.get(), kind):
            pass
        return item
    return await asyncio.wait_for(find(), timeout)


@pytest.fixture
async def linked():
    async with FakeAmi() as fake:
        client = AmiClient(settings(fake.port))
        async with asyncio.TaskGroup() as tg:
            task = tg.create_task(client.run())
            await next_of(client.queue, LinkUp)
            yield fake, client
            task.cancel()


async def test_link_up_comes_before_any_event_of_its_link():
    async with FakeAmi() as fake:
        client = AmiClient(settings(fake.port))
        task = asyncio.create_task(client.run())
        first = await asyncio.wait_for(client.queue.get(), 2)
        second = await asyncio.wait_for(client.queue.get(), 2)
        task.cancel()
    assert isinstance(first, LinkUp) and isinstance(second, FullyBooted)


async def test_events_arrive_typed_and_in_order_and_junk_is_survived(linked):
    fake, client = linked
    fake.send(b"Event: Hangup\r\nUniqueid: 1\r\nCause: 16\r\n\r\nnonsense line\r\n\r\n"
              b"Event: Brand-New\r\nX: 1\r\n\r\nEvent: Hangup\r\nUniqueid: 2\r\nCause: 17\r\n\r\n")
    first = await next_of(client.queue, Hangup)
    other = await next_of(client.queue, OtherEvent)
    second = await next_of(client.queue, Hangup)
    assert (first.cause, other.name, second.cause) == (16, "Brand-New", 17)
    assert client.connected and client.generation == 1


async def test_action_timeout_and_a_late_reply_never_answers_the_next_action(linked):
    fake, client = linked
    fake.silent_actions.add("Slow")
    with pytest.raises(AmiTimeout):
        await client.action("Slow")
    slow_id = fake.received[-1]["ActionID"]
    fake.send(f"Response: Success\r\nActionID: {slow_id}\r\nMessage: late\r\n\r\n".encode())
    reply = await client.action("CoreSettings")
    assert reply.message != "late" and reply.success


async def test_failed_action_raises_with_the_pbx_message(linked):
    _, client = linked
    with pytest.raises(AmiActionFailed, match="No such thing"):
        await client.action("Fail")
    assert not (await client.action("Fail", check=False)).success


async def test_list_action_collects_its_events(linked):
    _, client = linked
    reply = await client.action_list("CoreShowChannels")  # as recorded from Asterisk 22
    assert [m.fields["Channel"] for m in reply.events] == [
        "PJSIP/anonymous-00000000", "PJSIP/anonymous-00000001"]
    channels = [channel_from(m.fields) for m in reply.events]
    assert [c.linkedid for c in channels] == ["1795336748.0", "1795336748.1"]
    assert channels[0].state == 6 and channels[0].context == "hotline-fallback"


async def test_originate_is_always_async_and_correlated_by_channel_id(linked):
    fake, client = linked
    channel_id = await client.originate("PJSIP/agent-1", context="c", exten="s",
                                        variables={"HOTLINE_AGENT": "1"})
    # the last action received may be the link's own ping, on a busy machine
    [sent] = [a for a in fake.received if a.get("Action") == "Originate"]
    assert sent["Async"] == "true" and sent["ChannelId"] == channel_id
    result = await next_of(client.queue, OriginateResponse)
    assert result.uniqueid == channel_id and result.response == "Failure"


async def test_dead_link_is_found_by_ping_deadline_and_relinked(linked):
    fake, client = linked
    fake.answer_pings = False
    down = await next_of(client.queue, LinkDown, timeout=1.0)
    assert down.generation == 1 and "ping" in down.reason
    fake.answer_pings = True
    up = await next_of(client.queue, LinkUp, timeout=1.0)
    assert up.generation == 2 and fake.connections == 2


async def test_pending_actions_fail_on_disconnect_and_are_never_resent(linked):
    fake, client = linked
    fake.silent_actions.add("Originate")
    call = asyncio.create_task(client.originate("PJSIP/x", application="Echo"))
    await asyncio.sleep(0.05)
    fake.drop()
    with pytest.raises(AmiNotConnected):
        await call
    await next_of(client.queue, LinkUp)
    await asyncio.sleep(0.2)
    assert [a["Action"] for a in fake.received].count("Originate") == 1


async def test_actions_without_a_link_fail_at_once():
    with pytest.raises(AmiNotConnected):
        await AmiClient(settings(1)).action("Ping")


async def test_refused_login_retries_with_backoff_and_never_announces_a_link():
    async with FakeAmi(secret="other") as fake:
        client = AmiClient(settings(fake.port))
        task = asyncio.create_task(client.run())
        await asyncio.sleep(0.5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert client.queue.empty() and not client.connected
        assert "login refused" in client.last_error
        assert 2 <= fake.connections <= 25  # retried, but not in a tight loop
        assert all(a.get("Secret") == "s3cret" for a in fake.received)


async def test_unreachable_pbx_is_retried_until_it_appears():
    async with FakeAmi() as fake:
        port = fake.port
    client = AmiClient(settings(port))
    async with asyncio.TaskGroup() as tg:
        task = tg.create_task(client.run())
        await asyncio.sleep(0.3)
        assert not client.connected and client.last_error
        task.cancel()


async def test_each_answered_action_is_timed_by_name_and_a_timeout_is_not(linked):
    fake, client = linked
    logins = client.round_trips.count(action="Login")
    await client.action("Ping")
    fake.silent_actions.add("Slow")
    with pytest.raises(AmiTimeout):
        await client.action("Slow")
    assert logins == 1 and client.round_trips.count(action="Ping") >= 1
    assert client.round_trips.count(action="Slow") == 0
