"""The one intake (dedup, rate limit, counters) that the gateway and the channel layer share."""

from __future__ import annotations

from dataclasses import replace

from channels.gateway.app import Gateway
from channels.intake import ACCEPTED, DUPLICATE, LIMITED, Intake
from channels.layer import ChannelLayer
from layani.settings import load


def settings(tmp_path, **overrides):
    return replace(
        load(),
        redis_url="",
        dead_letter_file=tmp_path / "dl.jsonl",
        turn_token="t",
        **overrides,
    )


async def test_a_redelivered_update_is_claimed_once_and_counted(tmp_path):
    intake = Intake(settings(tmp_path))
    assert await intake.first_time("telegram:update:1")
    assert [await intake.first_time("telegram:update:1") for _ in range(4)] == [False] * 4
    assert intake.counters[DUPLICATE] == 4
    # A one-off key (group refused once per chat) is not a redelivery: not counted.
    assert await intake.first_time("telegram:group:-5", redelivery=False)
    assert not await intake.first_time("telegram:group:-5", redelivery=False)
    assert intake.counters[DUPLICATE] == 4
    await intake.close()


async def test_over_the_limit_the_citizen_is_told_once_per_window(tmp_path):
    intake = Intake(settings(tmp_path, rate_limit="2/60"))
    decisions = [await intake.admit("+6281200000001") for _ in range(5)]
    assert [d.allowed for d in decisions] == [True, True, False, False, False]
    assert [d.notify for d in decisions] == [False, False, True, False, False]
    assert intake.counters[LIMITED] == 3
    assert (await intake.admit("+6281200000002")).allowed  # another citizen is not held up
    await intake.close()


async def test_gateway_and_layer_admit_through_the_same_intake(tmp_path):
    conf = settings(tmp_path, rate_limit="1/60")
    gateway, layer = Gateway(conf), ChannelLayer(conf)
    assert isinstance(gateway.intake, Intake) and isinstance(layer.intake, Intake)
    assert gateway.counters is gateway.intake.counters and layer.counters is layer.intake.counters
    assert layer.counters[ACCEPTED] == 0
    await gateway.close()
    await layer.close()
