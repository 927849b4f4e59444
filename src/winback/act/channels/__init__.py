"""Ways to reach a buyer or the shop team, each behind the one-method :class:`Channel`
protocol of :mod:`winback.act.channels.base`."""

from winback.act.channels.base import Channel, LooksUpSends, Message, Outcome, SendResult

__all__ = ["Channel", "LooksUpSends", "Message", "Outcome", "SendResult"]
