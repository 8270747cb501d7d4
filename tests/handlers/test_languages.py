"""Every screen in the user's language: a crawl through the real application renders every
command and every button reachable from them for an English user and fails on Spanish words
(and the converse for a Spanish user)."""

from __future__ import annotations

import html
import re
from collections import deque
from collections.abc import Iterable
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from crm.followups import lifecycle as followups
from crm.kernel.actor import resolve_actor
from handlers.callbacks import parse
from handlers.texts import CATALOG
from storage.models import Activity, Document, FollowUpType, State, SupportDocument, Tercero, User
from tests.conftest import BotHarness, Team
from tests.support.data import make_document, make_tercero, type_id
from tests.support.telegram import ApiCall

# Words that are the same in both languages on purpose: the typed grammar (report kinds,
# periods, states, frequencies, commands), domain words the team uses untranslated, and
# technical or English words the Spanish text shows too.
SHARED = {
    # typed words and command names, kept exactly in both languages
    "agenda",
    "seguimientos",
    "actividades",
    "cartera",
    "desempeno",
    "recaudo",
    "visitas",
    "contactos",
    # contact channels as typed in the terceros import (canales_autorizados) and stored
    "llamada",
    "whatsapp",
    "sms",
    "correo",
    "visita",
    # the law's name (Ley 2300 de 2023)
    "ley",
    "hoy",
    "ayer",
    "semana",
    "mes",
    "activo",
    "cerrado",
    "descartado",
    "diario",
    "semanal",
    "tercero",
    "terceros",
    # image formats a receipt may come in (names, not words)
    "jpeg",
    "png",
    "webp",
    # domain words kept untranslated
    "encargado",
    "nit",
    "pesos",
    "supervisor",
    "admin",
    # technical and English words
    "active",
    "add",
    "bot",
    "crm",
    "excel",
    "neutral",
    "telegram",
    "total",
    "users",
    "jperez",
    # place names and units
    "erp",
    "colombia",
    "min",
    # an English word Spanish uses as is ("mover el pin")
    "pin",
}
WORD = re.compile(r"[A-Za-zÁÉÍÓÚÑÜáéíóúñü]{3,}")
# Names of seeded catalog rows that a text mentions by name (the follow-up type a button
# creates): data, not language.
CATALOG_DATA = ("Visita T.A.T.",)
MAX_PRESSES = 2000
PER_SHAPE = 2
# The audit trail shows stored field names and values as they are (a readable audit is
# issue 14's); links are not buttons to press.
SKIPPED = ("http", "ad:aud")


def _clean(text: str) -> str:
    """What is not language: code samples, typed commands, placeholders and quoted input."""
    text = re.sub(r"<code>.*?</code>|<pre>.*?</pre>", " ", text, flags=re.S)
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = re.sub(r"https?://\S+", " ", text)
    text = re.sub(r"/[a-z_]+", " ", text)
    text = re.sub(r"«[^»]*»", " ", text)
    for name in CATALOG_DATA:
        text = text.replace(name, " ")
    return text


def _words(texts: Iterable[str]) -> set[str]:
    return {w.lower() for text in texts for w in WORD.findall(_clean(text))}


# Texts for the operator at the command line (settings, faults, imports, backups) are full of
# technical names and typed values; the bot's screens are what the crawl checks.
OPERATOR_TEXTS = ("cli.", "doctor.", "backup.", "sync.", "import.", "demo.")


def _bot_texts(lang: str) -> dict[str, str]:
    return {k: v for k, v in CATALOG[lang].items() if not k.startswith(OPERATOR_TEXTS)}


SPANISH = _words(_bot_texts("es").values()) - SHARED
ENGLISH = _words(_bot_texts("en").values()) - SHARED


def test_shared_words_are_exactly_those_both_catalogs_use() -> None:
    both = _words(_bot_texts("es").values()) & _words(_bot_texts("en").values())
    # A word in both catalogs is either a typed word / domain term (add it to SHARED) or an
    # untranslated label (translate it).
    assert both - SHARED == set(), sorted(both - SHARED)
    assert SHARED - both == set(), sorted(SHARED - both)


def test_each_catalog_speaks_only_its_language() -> None:
    for key, text in _bot_texts("en").items():
        assert not (_words([text]) & SPANISH), (key, sorted(_words([text]) & SPANISH))
    for key, text in _bot_texts("es").items():
        assert not (_words([text]) & ENGLISH), (key, sorted(_words([text]) & ENGLISH))


async def _world(bot: BotHarness) -> None:
    """A tercero with open documents and follow-ups (overdue, today, with a document)."""
    luis = await resolve_actor(bot.crm, Team.luis)
    assert luis is not None and luis.id is not None
    tercero = await make_tercero(bot.crm, encargado_id=luis.id, email="pagos@nunez.co")
    today = bot.clock.now().date()
    doc = await make_document(bot.crm, tercero, "1001", due=today - timedelta(days=40))
    await make_document(bot.crm, tercero, "1002", due=today + timedelta(days=5))
    await make_document(bot.crm, tercero, "1003", due=today - timedelta(days=1), balance="10")
    other = await make_tercero(bot.crm, nit="800111222-3", name="Distribuidora Andina SAS")
    await make_document(bot.crm, other, "55", on=date(2026, 9, 1), due=date(2026, 9, 30))
    now = bot.clock.now()
    for due, document, note in (
        (now - timedelta(hours=5), doc, "Llamar al contador"),
        (now + timedelta(hours=2), None, None),
        (now + timedelta(days=3), None, "Visitar"),
    ):
        await followups.create_followup(
            bot.crm,
            luis,
            tercero_id=tercero,
            type_id=await type_id(bot.crm),
            due_at=due,
            note=note,
            document_id=document,
        )


async def _data_phrases(bot: BotHarness) -> list[str]:
    """Names typed into the database (users, terceros, catalogs, notes): data, not language."""
    async with bot.crm.sessions() as session:
        phrases = [
            *(await session.scalars(select(User.name))).all(),
            *(await session.scalars(select(Tercero.name))).all(),
            *(await session.scalars(select(Tercero.city))).all(),
            *(await session.scalars(select(FollowUpType.name))).all(),
            *(await session.scalars(select(State.name))).all(),
            *(await session.scalars(select(Activity.name))).all(),
            *(await session.scalars(select(SupportDocument.name))).all(),
            *(await session.scalars(select(Document.doc_type))).all(),
            "Llamar al contador",
            "Visitar",
            "Cra 7 # 12-34",
        ]
    return sorted({p for p in phrases if p}, key=len, reverse=True)


COMMANDS = (
    "/start",
    "/ayuda",
    "/agenda",
    "/agenda vencidos",
    "/agenda zzz",
    "/nuevo",
    "/nuevo ferreteria",
    "/tercero",
    "/tercero ferreteria",
    "/tercero zzzz",
    "/tercero a",
    "/cartera",
    "/cartera LUIS",
    "/informe",
    "/informe zzz",
    "/informe seguimientos mes",
    "/suscribir",
    "/suscribir seguimientos diario 07:00",
    "/suscripciones",
    "/usuarios",
    "/config",
    "/invitar",
    "/invitar agente",
    "/reasignar",
    "/reasignar LUIS MARIA",
    "/reasignar LUIS LUIS",
    "/cancelar",
    "hola",
)


def _shown(call: ApiCall) -> list[str]:
    """The words a user sees from one Bot API call: text, caption, alert, button labels."""
    shown = [label for label, _ in call.buttons]
    if call.method == "answerCallbackQuery":
        shown.append(str(call.params.get("text") or ""))
    elif call.method != "setMyCommands":
        shown.append(call.text)
    return shown


async def _crawl(bot: BotHarness, user: int, language: str) -> list[tuple[str, str]]:
    """(what was done, what was shown) for every command and the buttons reachable from
    them (each shape of button data, digits aside, pressed at most twice)."""
    seen: list[tuple[str, str]] = []
    queue: deque[str] = deque()
    shapes: dict[str, int] = {}
    presses = 0

    def collect(action: str, calls: list[ApiCall]) -> None:
        for call in calls:
            seen.extend((action, text) for text in _shown(call))
            for _, data in call.buttons:
                if data and not data.startswith("http"):
                    # every button's data is one of the typed classes and packs back the same
                    assert parse(data, data.split(":")[0]).pack() == data, data
                if not data or ":" not in data or data.startswith(SKIPPED):
                    continue
                shape = re.sub(r"\d+", "#", data)
                if shapes.get(shape, 0) < PER_SHAPE and data not in queue:
                    shapes[shape] = shapes.get(shape, 0) + 1
                    queue.append(data)

    for command in COMMANDS:
        collect(command, await bot.text(user, command, language=language))
        while queue and presses < MAX_PRESSES:
            data = queue.popleft()
            presses += 1
            collect(data, await bot.press(user, data, language=language))
    await bot.text(user, "/cancelar", language=language)
    return seen


def _foreign(text: str, phrases: list[str], vocabulary: set[str]) -> set[str]:
    text = html.unescape(text)
    for phrase in phrases:
        text = text.replace(phrase, " ")
    return _words([text]) & vocabulary


@pytest.mark.parametrize("user", [Team.admin, Team.luis], ids=["admin", "agent"])
async def test_every_screen_and_keyboard_in_english_has_no_spanish(
    bot: BotHarness, user: int
) -> None:
    await _world(bot)
    seen = await _crawl(bot, user, "en")
    assert len(seen) > 200  # the crawl reached the screens (not a test that cannot fail)
    phrases = await _data_phrases(bot)
    found = [(a, sorted(_foreign(t, phrases, SPANISH)), t) for a, t in seen]
    found = [f for f in found if f[1]]
    assert not found, "\n".join(f"{a}: {w} in {t[:160]!r}" for a, w, t in found[:40])


async def test_every_screen_and_keyboard_in_spanish_has_no_english(bot: BotHarness) -> None:
    await _world(bot)
    seen = await _crawl(bot, Team.admin, "es")
    assert len(seen) > 200
    phrases = await _data_phrases(bot)
    found = [(a, sorted(_foreign(t, phrases, ENGLISH)), t) for a, t in seen]
    found = [f for f in found if f[1]]
    assert not found, "\n".join(f"{a}: {w} in {t[:160]!r}" for a, w, t in found[:40])
