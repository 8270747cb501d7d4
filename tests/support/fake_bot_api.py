"""The fake Bot API lives in bot/fakeapi/ (benchmarks and ``python -m bot.fakeapi`` use it
too); tests keep importing it from here."""

from bot.fakeapi import BOT_ID, BOT_USERNAME, ApiCall, FakeBotApi, FloodLimits

__all__ = ["BOT_ID", "BOT_USERNAME", "ApiCall", "FakeBotApi", "FloodLimits"]
