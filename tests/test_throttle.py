"""The shared rate-limiting primitives, under an explicit clock."""

from __future__ import annotations

import math

import pytest

from bot.throttle import SlidingWindow, Spacing, TokenBucket


def test_token_bucket_bursts_then_refills_fractionally() -> None:
    bucket = TokenBucket(capacity=2, rate=1.0, now=0.0)
    bucket.take(0.0)
    bucket.take(0.0)
    assert bucket.wait_time(0.25) == pytest.approx(0.75)
    assert bucket.wait_time(1.0) == 0
    assert bucket.wait_time(100.0) == 0 and bucket.tokens == 2  # capped at capacity
    assert bucket.idle(100.0)


def test_token_bucket_cost_above_capacity_is_still_payable() -> None:
    bucket = TokenBucket(capacity=3, rate=1.0, now=0.0)
    assert bucket.wait_time(0.0, cost=10) == 0
    bucket.take(0.0, cost=10)
    assert bucket.wait_time(0.0) == pytest.approx(1.0)


def test_token_bucket_without_refill_waits_forever() -> None:
    bucket = TokenBucket(capacity=1, rate=0.0, now=0.0)
    bucket.take(0.0)
    assert math.isinf(bucket.wait_time(5.0))


def test_sliding_window_is_a_hard_cap() -> None:
    window = SlidingWindow(limit=3, period=60.0)
    for t in (0.0, 10.0, 20.0):
        assert window.wait_time(t) == 0
        window.take(t)
    assert window.wait_time(30.0) == pytest.approx(30.0)  # until the first leaves
    assert window.wait_time(30.0, limit=2) == pytest.approx(40.0)  # a lower cap waits longer
    assert window.used(60.0) == 2
    assert window.wait_time(60.0) == 0
    assert not window.idle(79.0) and window.idle(80.0)


def test_spacing_gives_each_send_its_own_time_once() -> None:
    spacing = Spacing(10.0, 1, now=0.0)
    # five senders asking at once are told 0, 0.1, 0.2, ... : each waits once, in turn
    assert [spacing.reserve(0.0) for _ in range(5)] == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4])
    # the sixth, asking at 0.45, goes at 0.5
    assert spacing.reserve(0.45) == pytest.approx(0.05)


def test_spacing_catches_up_by_its_slack_only() -> None:
    spacing = Spacing(10.0, 3, now=0.0)
    # idle for ten seconds: three may go at once, then the pace again
    assert [spacing.reserve(10.0) for _ in range(4)] == pytest.approx([0.0, 0.0, 0.0, 0.1])
