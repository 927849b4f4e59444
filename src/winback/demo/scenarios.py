"""What happened around an order: the conversation scenario drawn for it."""

from __future__ import annotations

from enum import IntEnum


class Scenario(IntEnum):
    """Drawn for every order; only consulted buyers (and stockouts) get a chat."""

    SELF_SERVICE = 0
    HELPFUL = 1
    SLOW_REPLY = 2
    PRICE_REFUSED = 3
    """The buyer asked for a lower price and heard 这个价格改不了/无法改价."""
    PAY_LATER = 4
    """The buyer said they would pay later; a follow-up the next day is the exception."""
    REORDER_ASKED = 5
    """Staff asked the buyer to close the order and 重拍 to get the promotion."""
    STOCKOUT = 6
    REPLACEMENT = 7
    """The order a buyer placed again after staff asked them to 重拍."""
