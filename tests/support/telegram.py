"""Offline Telegram for tests: a recording request class and Update factories.

``RecordingRequest`` answers every Bot API call the way Telegram would (enough for PTB to
parse) and records it, so tests assert on the method, chat, text and keyboard the bot sent.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from telegram import (
    CallbackQuery,
    Chat,
    Location,
    Message,
    PhotoSize,
    Update,
    User,
)
from telegram import Document as TgDocument
from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram.request import BaseRequest, RequestData

from bot.fakeapi import ApiCall

BOT_ID = 999_000
BOT_USERNAME = "crm_test_bot"
TOKEN = "999000:TEST-token-for-offline-tests-only-xxxxxxxx"


@dataclass
class RecordingRequest(BaseRequest):
    """A PTB request layer that never touches the network."""

    calls: list[ApiCall] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1000))
    # method -> list of canned exceptions/responses consumed in order (for error tests)
    scripted: dict[str, list[Any]] = field(default_factory=dict)
    # file_id -> bytes served by getFile and the file download (e.g. receipt photos)
    files: dict[str, bytes] = field(default_factory=dict)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = DEFAULT_NONE,
        write_timeout: Any = DEFAULT_NONE,
        connect_timeout: Any = DEFAULT_NONE,
        pool_timeout: Any = DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if "/file/bot" in url:  # a file download (File.download_*): serve the bytes
            file_id = url.rsplit("/", 1)[-1]
            self.calls.append(ApiCall("downloadFile", {"file_id": file_id}))
            if file_id not in self.files:
                return 404, b'{"ok": false, "description": "Not Found"}'
            return 200, self.files[file_id]
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        decoded = {k: _maybe_json(v) for k, v in params.items()}
        if request_data is not None and request_data.multipart_data:
            decoded["_files"] = {k: v[0] for k, v in request_data.multipart_data.items()}
            decoded["_file_bytes"] = {k: v[1] for k, v in request_data.multipart_data.items()}
        if api_method != "getUpdates":
            self.calls.append(ApiCall(api_method, decoded))
        script = self.scripted.get(api_method)
        if script:
            canned = script.pop(0)
            if isinstance(canned, BaseException):
                raise canned  # e.g. telegram.error.TimedOut, as PTB's HTTP layer raises it
            status, body = canned
            return status, json.dumps(body).encode()
        result = self._result(api_method, decoded)
        answered = self.calls[-1] if self.calls else None
        if isinstance(result, dict) and answered is not None and answered.method == api_method:
            answered.message_id = result.get("message_id")
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        now = int(datetime.now(UTC).timestamp())
        if method == "getMe":
            return {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "CRM",
                "username": BOT_USERNAME,
                "can_join_groups": False,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        if method == "getUpdates":
            return []
        if method in (
            "sendMessage",
            "editMessageText",
            "sendDocument",
            "sendPhoto",
            "sendLocation",
            "sendVenue",
            "editMessageReplyMarkup",
        ):
            chat_id = int(params.get("chat_id") or 1)
            message: dict[str, Any] = {
                "message_id": int(params.get("message_id") or next(self._ids)),
                "date": now,
                "chat": {"id": chat_id, "type": "private"},
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "CRM"},
            }
            if "text" in params:
                message["text"] = params["text"]
            if method == "sendDocument":
                message["document"] = {"file_id": f"doc{next(self._ids)}", "file_unique_id": "u1"}
            return message
        if method == "getFile":
            file_id = str(params.get("file_id"))
            known = file_id in self.files
            return {
                "file_id": file_id,
                "file_unique_id": "u",
                "file_path": f"photos/{file_id}" if known else "documents/file.bin",
                **({"file_size": len(self.files[file_id])} if known else {}),
            }
        return True

    # --- assertions helpers ---------------------------------------------------------------
    def sent(self, method: str | None = None) -> list[ApiCall]:
        return [c for c in self.calls if method is None or c.method == method]

    def message_with_button(self, data: str) -> int | None:
        """The message that last showed a button with callback ``data`` (what a user taps)."""
        for call in reversed(self.calls):
            if call.message_id is not None and any(d == data for _, d in call.buttons):
                return call.message_id
        return None

    def last(self, *methods: str) -> ApiCall:
        for call in reversed(self.calls):
            if not methods or call.method in methods:
                return call
        raise AssertionError(f"no call among {methods}; calls: {[c.method for c in self.calls]}")

    def replies(self) -> list[ApiCall]:
        """Messages sent or edited (what the user sees)."""
        return [
            c
            for c in self.calls
            if c.method in ("sendMessage", "editMessageText", "sendDocument", "sendPhoto")
        ]

    def clear(self) -> None:
        self.calls.clear()


def _maybe_json(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


class UpdateFactory:
    """Builds real ``Update`` objects as Telegram would send them to the bot."""

    def __init__(self) -> None:
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)

    @staticmethod
    def user(user_id: int, language: str | None = "es", name: str = "Test") -> User:
        return User(id=user_id, first_name=name, is_bot=False, language_code=language)

    def message(
        self,
        user_id: int,
        text: str | None = None,
        *,
        language: str | None = "es",
        bot: Any = None,
        **extra: Any,
    ) -> Update:
        user = self.user(user_id, language)
        chat = Chat(id=user_id, type=Chat.PRIVATE)
        entities = None
        if text and text.startswith("/"):
            from telegram import MessageEntity

            command = text.split()[0]
            entities = [MessageEntity(MessageEntity.BOT_COMMAND, 0, len(command))]
        message = Message(
            message_id=next(self._message_ids),
            date=datetime.now(UTC),
            chat=chat,
            from_user=user,
            text=text,
            entities=entities,
            **extra,
        )
        update = Update(update_id=next(self._update_ids), message=message)
        if bot is not None:
            update.set_bot(bot)
            message.set_bot(bot)
        return update

    def photo(
        self,
        user_id: int,
        file_id: str = "photo-file-1",
        caption: str | None = None,
        bot: Any = None,
        file_size: int | None = None,
    ) -> Update:
        photo = [
            PhotoSize(
                file_id=file_id,
                file_unique_id=file_id + "u",
                width=800,
                height=600,
                file_size=file_size,
            )
        ]
        return self.message(user_id, None, photo=photo, caption=caption, bot=bot)

    def document(
        self,
        user_id: int,
        file_id: str = "doc-file-1",
        file_name: str = "f.pdf",
        caption: str | None = None,
        bot: Any = None,
        mime_type: str | None = None,
        file_size: int | None = None,
    ) -> Update:
        doc = TgDocument(
            file_id=file_id,
            file_unique_id=file_id + "u",
            file_name=file_name,
            mime_type=mime_type,
            file_size=file_size,
        )
        return self.message(user_id, None, document=doc, caption=caption, bot=bot)

    def location(
        self, user_id: int, latitude: float = 4.6097, longitude: float = -74.0817, bot: Any = None
    ) -> Update:
        return self.message(
            user_id, None, location=Location(longitude=longitude, latitude=latitude), bot=bot
        )

    def callback(
        self,
        user_id: int,
        data: str,
        *,
        message_id: int = 500,
        language: str | None = "es",
        bot: Any = None,
    ) -> Update:
        user = self.user(user_id, language)
        chat = Chat(id=user_id, type=Chat.PRIVATE)
        message = Message(
            message_id=message_id,
            date=datetime.now(UTC),
            chat=chat,
            from_user=self.user(BOT_ID, None, "CRM"),
            text="…",
        )
        query = CallbackQuery(
            id=str(next(self._update_ids)),
            from_user=user,
            chat_instance=str(user_id),
            message=message,
            data=data,
        )
        update = Update(update_id=next(self._update_ids), callback_query=query)
        if bot is not None:
            update.set_bot(bot)
            query.set_bot(bot)
            message.set_bot(bot)
        return update
