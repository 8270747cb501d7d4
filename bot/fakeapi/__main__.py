"""``python -m bot.fakeapi``: serve the fake Bot API on a fixed port and watch the bot work
without Telegram (type as a user, read what the bot says, press its buttons by number)."""

from __future__ import annotations

import sys
import threading
from functools import partial
from typing import Any

from bot.fakeapi.server import ApiCall, FakeBotApi

SHOWN = ("sendMessage", "editMessageText", "sendDocument", "sendPhoto", "sendLocation")


def _show(call: ApiCall, out: Any) -> list[str]:
    """Print one bot message as terminal text; return its buttons' callback data."""
    import html
    import re

    text = html.unescape(re.sub(r"</?[a-z]+[^>]*>", "", call.text))
    verb = "edits" if call.method == "editMessageText" else "says"
    if call.method == "sendDocument":
        upload = call.params.get("document")
        name = upload.get("filename") if isinstance(upload, dict) else "file"
        text = f"[file {name}] {text}"
    print(f"\nbot {verb} to {call.chat_id}:\n  " + text.replace("\n", "\n  "), file=out)
    data = []
    for number, (label, value) in enumerate(call.buttons, 1):
        print(f"  #{number} [{label}]", file=out)
        data.append(value or "")
    print("> ", end="", file=out, flush=True)
    return data


def _more_than(calls: list[ApiCall], seen: int) -> bool:
    return len(calls) > seen


def main(argv: list[str] | None = None) -> int:
    """Serve the fake Bot API on a fixed port and chat with the bot from the terminal."""
    import argparse
    import os
    import subprocess
    import sys

    parser = argparse.ArgumentParser(
        prog="python -m bot.fakeapi",
        description="A fake Telegram Bot API: chat with your bot from this terminal.",
    )
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--user", type=int, default=1001, help="your Telegram id here")
    parser.add_argument("--name", default="Operador", help="your first name here")
    parser.add_argument(
        "--run",
        action="store_true",
        help="also start `crm-bot run` against it (output in fakeapi-bot.log)",
    )
    args = parser.parse_args(argv)
    token = "123456:fake-token-for-the-fake-bot-api"
    api = FakeBotApi(token=token, port=args.port).start()
    env_line = (
        f"CRM_BOT_API_URL={api.base_url} CRM_BOT_FILE_URL={api.file_url} CRM_BOT_TOKEN={token}"
    )
    print(f"Fake Bot API on {api.base_url}. Point the bot at it:\n  {env_line} crm-bot run")
    bot: subprocess.Popen[bytes] | None = None
    if args.run:
        env = {**os.environ, **dict(part.split("=", 1) for part in env_line.split())}
        log = open("fakeapi-bot.log", "ab")  # noqa: SIM115 - kept open while the bot runs
        bot = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        print("Started `crm-bot run` (its output goes to fakeapi-bot.log).")
    print(
        f"Type as Telegram user {args.user} (try /start); #N presses button N of the last "
        "message; Ctrl-D quits."
    )
    buttons: list[str] = []
    last_message: dict[str, Any] = {}
    stop = threading.Event()

    def watch() -> None:
        seen = 0
        while not stop.is_set():
            with api._lock:
                api._lock.wait_for(partial(_more_than, api.calls, seen), timeout=0.5)
                new = api.calls[seen:]
            seen += len(new)
            for call in new:
                if call.method in SHOWN and call.chat_id == args.user:
                    data = _show(call, sys.stdout)
                    if data:
                        buttons[:] = data
                        last_message["id"] = call.params.get("message_id")

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        print("> ", end="", flush=True)
        for line in sys.stdin:
            text = line.strip()
            if not text:
                continue
            if text.startswith("#") and text[1:].isdigit() and buttons:
                index = int(text[1:]) - 1
                if 0 <= index < len(buttons):
                    api.inject(api.callback(args.user, buttons[index]))
                continue
            api.inject(api.message(args.user, text, first_name=args.name))
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        if bot is not None:
            bot.terminate()
            bot.wait(30)
        api.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
