"""A small fake Telegram Bot API server for end-to-end tests and benchmarks.

It speaks enough HTTP/1.1 (keep-alive, Content-Length or chunked bodies; form, JSON and
multipart requests) for python-telegram-bot's httpx client, runs its own asyncio loop in a
background thread on 127.0.0.1 (random port), records every call and long-polls
``getUpdates`` with the updates a test injects. Point the bot at it with
``CRM_BOT_API_URL=api.base_url`` (and ``CRM_BOT_FILE_URL=api.file_url``).

    with FakeBotApi() as api:
        ...start `python -m bot run` with CRM_BOT_API_URL=api.base_url...
        api.inject(api.message(3, "/start"))
        reply = api.wait_for(lambda c: c.method == "sendMessage" and c.chat_id == 3)

With ``limits=FloodLimits()`` it answers like Telegram's flood control: more than 30 messages
in any one-second window, or more than 1 in one chat, get ``429 Too Many Requests`` with a
``retry_after``; those are counted in ``throttled`` and not recorded as calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qs, urlsplit

BOT_ID = 999_000
BOT_USERNAME = "crm_test_bot"
MAX_POLL_SECONDS = 10.0

# Bot API methods that post a message into a chat, which Telegram's flood limits count.
LIMITED = ("send", "copyMessage", "copyMessages", "forwardMessage", "forwardMessages")


@dataclass(frozen=True)
class FloodLimits:
    """Telegram's caps as sliding windows: ``overall`` messages, and ``per_chat`` in one
    chat, within any ``window`` seconds."""

    overall: int = 30
    per_chat: int = 1
    window: float = 1.0


@dataclass
class ApiCall:
    method: str
    params: dict[str, Any]
    # The id of the message the call sent or edited (as Telegram answered it).
    message_id: int | None = None

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    @property
    def buttons(self) -> list[tuple[str, str | None]]:
        """(label, callback_data or url) of every inline button, row by row."""
        markup = self.params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        if not markup or "inline_keyboard" not in markup:
            return []
        return [
            (b["text"], b.get("callback_data") or b.get("url"))
            for row in markup["inline_keyboard"]
            for b in row
        ]

    def button(self, contains: str) -> str:
        """The callback data of the first button whose label contains ``contains``."""
        for label, data in self.buttons:
            if contains.lower() in label.lower():
                assert data is not None
                return data
        raise AssertionError(f"no button with {contains!r} in {self.buttons}")


Predicate = Callable[[ApiCall], bool]


def _limited(method: str) -> bool:
    return method.startswith(LIMITED) and method != "sendChatAction"


class FakeBotApi:
    """The fake server; thread-safe to drive from the test thread."""

    def __init__(
        self,
        bot_id: int = BOT_ID,
        username: str = BOT_USERNAME,
        limits: FloodLimits | None = None,
        *,
        token: str | None = None,
        port: int = 0,
    ) -> None:
        # With ``token``, any other token is refused with 401 Unauthorized like Telegram does.
        self.token = token
        self.webhook_url = ""
        self._port = port
        self.bot_id = bot_id
        self.username = username
        self.limits = limits
        self.calls: list[ApiCall] = []
        # Sends refused with 429 by ``limits``, and when each accepted send arrived.
        self.throttled: list[ApiCall] = []
        self.sent_at: list[float] = []
        self.throttled_by: Counter[str] = Counter()
        self._recent: deque[float] = deque()
        self._recent_by_chat: dict[Any, deque[float]] = {}
        self.files: dict[str, bytes] = {}
        # method -> queued (error_code, description, retry_after) answered instead of success
        self.failures: dict[str, list[tuple[int, str, int | None]]] = {}
        # method -> (error_code, description) answered to every call (e.g. getUpdates' 409
        # Conflict while another client polls with the same token)
        self.always_failing: dict[str, tuple[int, str]] = {}
        # method -> seconds to wait before answering a call it already accepted (recorded):
        # a Telegram slower than the client's read timeout.
        self.answer_delay: dict[str, float] = {}
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(10_000)
        self._lock = threading.Condition()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wakeup: asyncio.Event | None = None
        self._stopping: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[asyncio.Task[Any]] = set()
        self.port = 0

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeBotApi:
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("fake Bot API did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stopping is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self) -> FakeBotApi:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    def _run(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve(ready))
        finally:
            loop.close()

    async def _serve(self, ready: threading.Event) -> None:
        self._wakeup = asyncio.Event()
        self._stopping = asyncio.Event()
        server = await asyncio.start_server(self._connection, "127.0.0.1", self._port)
        self.port = server.sockets[0].getsockname()[1]
        ready.set()
        async with server:
            await self._stopping.wait()
            self._wakeup.set()  # release pending long polls
            server.close()
            # Keep-alive connections outlive the listener: end them before the loop closes.
            for task in list(self._connections):
                task.cancel()
            await asyncio.gather(*self._connections, return_exceptions=True)

    # --- driving it from tests ---------------------------------------------------------------

    def inject(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for the next getUpdates (``update_id`` is assigned)."""
        update = {**update, "update_id": next(self._update_ids)}
        with self._lock:
            self._updates.append(update)
        if self._loop is not None and self._wakeup is not None:
            self._loop.call_soon_threadsafe(self._wakeup.set)
        return update

    def message(
        self,
        user_id: int,
        text: str,
        *,
        first_name: str = "Test",
        language_code: str | None = "es",
    ) -> dict[str, Any]:
        """A private-chat text message update from ``user_id`` (commands get their entity)."""
        sender: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code:
            sender["language_code"] = language_code
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": first_name},
            "from": sender,
            "text": text,
        }
        if text.startswith("/"):
            length = len(text.split()[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return {"message": message}

    def callback(
        self, user_id: int, data: str, *, message_id: int = 500, language_code: str = "es"
    ) -> dict[str, Any]:
        """A button press on one of the bot's messages."""
        sender = {
            "id": user_id,
            "is_bot": False,
            "first_name": "Test",
            "language_code": language_code,
        }
        return {
            "callback_query": {
                "id": str(next(self._message_ids)),
                "from": sender,
                "chat_instance": str(user_id),
                "data": data,
                "message": {
                    "message_id": message_id,
                    "date": int(time.time()),
                    "chat": {"id": user_id, "type": "private"},
                    "from": self._me(),
                    "text": "…",
                },
            }
        }

    def fail_next(
        self, method: str, error_code: int, description: str, retry_after: int | None = None
    ) -> None:
        """Answer the next ``method`` call with a Bot API error (e.g. 403 Forbidden)."""
        with self._lock:
            self.failures.setdefault(method, []).append((error_code, description, retry_after))

    def fail_always(self, method: str, error_code: int, description: str) -> None:
        """Answer every ``method`` call with a Bot API error from now on."""
        with self._lock:
            self.always_failing[method] = (error_code, description)

    def calls_to(self, method: str) -> list[ApiCall]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, predicate: Predicate, timeout: float = 20.0) -> ApiCall:
        """Block until a recorded call matches (already recorded ones count)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                for call in self.calls:
                    if predicate(call):
                        return call
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    methods = [c.method for c in self.calls]
                    raise TimeoutError(f"no matching Bot API call; calls so far: {methods}")
                self._lock.wait(remaining)

    async def wait_for_async(self, predicate: Predicate, timeout: float = 20.0) -> ApiCall:
        return await asyncio.to_thread(self.wait_for, predicate, timeout)

    # --- HTTP --------------------------------------------------------------------------------

    async def _connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    break
                status, content_type, body = await self._handle(*request)
                writer.write(
                    f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
                    f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n".encode()
                    + body
                )
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            self._connections.discard(task)
            writer.close()

    async def _handle(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[str, str, bytes]:
        path = urlsplit(target).path
        if path.startswith("/file/bot"):
            data = self.files.get(path.split("/", 3)[-1])
            if data is None:
                return "404 Not Found", "text/plain", b"not found"
            return "200 OK", "application/octet-stream", data
        if not path.startswith("/bot") or path.count("/") != 2:
            return "404 Not Found", "text/plain", b"not found"
        api_method = path.rsplit("/", 1)[1]
        if self.token is not None and path.split("/")[1][len("bot") :] != self.token:
            refused = {"ok": False, "error_code": 401, "description": "Unauthorized"}
            return "401 Unauthorized", "application/json", json.dumps(refused).encode()
        params = _params(headers, body, urlsplit(target).query)
        call = ApiCall(api_method, params)
        if _limited(api_method):
            retry_after = self._flood_check(params.get("chat_id"))
            if retry_after:
                with self._lock:
                    self.throttled.append(call)
                answer: dict[str, Any] = {
                    "ok": False,
                    "error_code": 429,
                    "description": f"Too Many Requests: retry after {retry_after}",
                    "parameters": {"retry_after": retry_after},
                }
                return _status(429), "application/json", json.dumps(answer).encode()
        with self._lock:
            self.calls.append(call)
            self._lock.notify_all()
            failure = self.failures.get(api_method, [])
            scripted = failure.pop(0) if failure else None
            if scripted is None and api_method in self.always_failing:
                scripted = (*self.always_failing[api_method], None)
        delay = self.answer_delay.get(api_method)
        if delay:
            await asyncio.sleep(delay)
        if scripted is not None:
            code, description, wait = scripted
            answer = {"ok": False, "error_code": code, "description": description}
            if wait is not None:
                answer["parameters"] = {"retry_after": wait}
            # Telegram's HTTP status is the error code (PTB reads errors from non-2xx only).
            return _status(code), "application/json", json.dumps(answer).encode()
        if api_method == "getUpdates":
            result: Any = await self._get_updates(params)
        else:
            result = self._result(api_method, params)
        if result is None:
            answer = {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
        else:
            answer = {"ok": True, "result": result}
        return "200 OK", "application/json", json.dumps(answer).encode()

    def _flood_check(self, chat_id: Any) -> int:
        """0 when a send may go out now (and count it), else the seconds to wait."""
        now = time.monotonic()
        with self._lock:
            if self.limits is None:
                self.sent_at.append(now)
                return 0
            window = self.limits.window
            chat = self._recent_by_chat.setdefault(str(chat_id), deque())
            for times in (self._recent, chat):
                while times and times[0] <= now - window:
                    times.popleft()
            waits = []
            if len(self._recent) >= self.limits.overall:
                waits.append(self._recent[0] + window - now)
                self.throttled_by["overall"] += 1
            if len(chat) >= self.limits.per_chat:
                waits.append(chat[0] + window - now)
                self.throttled_by["chat"] += 1
            if waits:
                return max(1, math.ceil(max(waits)))  # Telegram says whole seconds
            self._recent.append(now)
            chat.append(now)
            self.sent_at.append(now)
            if len(self._recent_by_chat) > 10_000:
                self._recent_by_chat = {
                    k: v for k, v in self._recent_by_chat.items() if v[-1] > now - window
                }
            return 0

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        timeout = min(float(params.get("timeout") or 0), MAX_POLL_SECONDS)
        deadline = time.monotonic() + timeout
        assert self._wakeup is not None and self._stopping is not None
        while True:
            with self._lock:
                # Confirmed updates (below offset) are forgotten, as Telegram does.
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                pending = list(self._updates)
                self._wakeup.clear()
            remaining = deadline - time.monotonic()
            if pending or remaining <= 0 or self._stopping.is_set():
                return pending
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), remaining)

    def _me(self) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": "CRM", "username": self.username}

    def _message(self, params: dict[str, Any], **extra: Any) -> dict[str, Any]:
        chat_id = params.get("chat_id")
        message_id = params.get("message_id")
        return {
            "message_id": int(message_id) if message_id else next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": int(chat_id) if chat_id is not None else 0, "type": "private"},
            "from": self._me(),
            **extra,
        }

    # Complex by design: one branch per Bot API method the fake answers, flat on purpose.
    def _result(self, method: str, params: dict[str, Any]) -> Any:  # noqa: C901
        if method == "getMe":
            return {
                **self._me(),
                "can_join_groups": False,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        if method in ("sendMessage", "editMessageText"):
            if method == "editMessageText" and params.get("inline_message_id"):
                return True
            extra: dict[str, Any] = {"text": params.get("text", "")}
            if params.get("reply_markup"):
                extra["reply_markup"] = params["reply_markup"]
            return self._message(params, **extra)
        if method == "editMessageReplyMarkup":
            return self._message(params)
        if method in ("sendDocument", "sendPhoto"):
            field = "document" if method == "sendDocument" else "photo"
            upload = params.get(field)
            name = upload.get("filename") if isinstance(upload, dict) else "file"
            file_id = f"file-{next(self._message_ids)}"
            if isinstance(upload, dict):
                self.files[f"documents/{file_id}"] = upload.get("data", b"")
            described = {"file_id": file_id, "file_unique_id": file_id, "file_name": name}
            if field == "photo":
                photo = {**described, "width": 1, "height": 1}
                return self._message(params, photo=[photo], caption=params.get("caption"))
            return self._message(params, document=described, caption=params.get("caption"))
        if method == "sendLocation":
            return self._message(
                params,
                location={
                    "latitude": float(params["latitude"]),
                    "longitude": float(params["longitude"]),
                },
            )
        if method == "getFile":
            file_id = str(params.get("file_id"))
            return {
                "file_id": file_id,
                "file_unique_id": file_id,
                "file_path": f"documents/{file_id}",
            }
        if method in (
            "answerCallbackQuery",
            "setMyCommands",
            "deleteMyCommands",
            "deleteMessage",
            "sendChatAction",
            "setChatMenuButton",
            "close",
            "logOut",
        ):
            return True
        if method == "setWebhook":
            self.webhook_url = str(params.get("url") or "")
            return True
        if method == "deleteWebhook":
            self.webhook_url = ""
            return True
        if method == "getWebhookInfo":
            with self._lock:
                pending = len(self._updates)
            return {
                "url": self.webhook_url,
                "has_custom_certificate": False,
                "pending_update_count": pending,
            }
        if method == "getMyCommands":
            commands = [c for c in self.calls if c.method == "setMyCommands"]
            return commands[-1].params.get("commands", []) if commands else []
        return None


def _status(code: int) -> str:
    reasons = {
        400: "Bad Request",
        403: "Forbidden",
        404: "Not Found",
        409: "Conflict",
        429: "Too Many Requests",
    }
    return f"{code} {reasons.get(code, 'Error')}"


async def _read_request(
    reader: asyncio.StreamReader,
) -> tuple[str, str, dict[str, str], bytes] | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while True:
            size = int((await reader.readline()).strip().split(b";")[0], 16)
            if size == 0:
                await reader.readline()
                break
            body += await reader.readexactly(size)
            await reader.readline()
    else:
        body = await reader.readexactly(int(headers.get("content-length", "0")))
    return method, target, headers, body


def _decode(value: str) -> Any:
    """PTB sends nested parameters (markup, command lists) as JSON text."""
    if value[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _params(headers: dict[str, str], body: bytes, query: str) -> dict[str, Any]:
    params: dict[str, Any] = {k: _decode(v[-1]) for k, v in parse_qs(query).items()}
    content_type = headers.get("content-type", "")
    if not body:
        return params
    if content_type.startswith("application/json"):
        params.update(json.loads(body))
    elif content_type.startswith("application/x-www-form-urlencoded"):
        form = parse_qs(body.decode(), keep_blank_values=True)
        params.update({k: _decode(v[-1]) for k, v in form.items()})
    elif content_type.startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body
        )
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else b""
            filename = part.get_filename()
            if filename is not None:
                params[str(name)] = {"filename": filename, "data": data, "size": len(data)}
            else:
                params[str(name)] = _decode(data.decode("utf-8"))
    return params
