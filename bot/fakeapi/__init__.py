"""A small fake Telegram Bot API for end-to-end tests, benchmarks and ``python -m bot.fakeapi``
(the server in :mod:`bot.fakeapi.server`, the terminal chat in ``__main__``). Tests and
benchmarks import it from here; the bot itself never does."""

from bot.fakeapi.server import BOT_ID, BOT_USERNAME, ApiCall, FakeBotApi, FloodLimits

__all__ = ["BOT_ID", "BOT_USERNAME", "ApiCall", "FakeBotApi", "FloodLimits"]
