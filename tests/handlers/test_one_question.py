"""One pending question per user (issue 11, item 1): the newest prompt owns the next message,
replaced prompts say so and lose their buttons, commands leave a question, ✖ Cancelar and
/cancelar say what they cancelled, and text nobody waits for gets a hint."""

from __future__ import annotations

import itertools
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from crm.followups import lifecycle as followups
from crm.kernel.actor import Actor, resolve_actor
from crm.kernel.views import FollowUpView
from storage.models import FollowUpEvent, FollowUpType, Promise
from tests.conftest import BotHarness, Team
from tests.support.data import make_document, make_tercero, type_id


async def _actor(bot: BotHarness, tg: int = Team.luis) -> Actor:
    actor = await resolve_actor(bot.crm, tg)
    assert actor is not None
    return actor


_unique = itertools.count(1000)


async def _with_document(bot: BotHarness, n: int) -> FollowUpView:
    """A follow-up of Luis on a tercero with a cartera document (so it offers Compromiso)."""
    luis = await _actor(bot)
    u = next(_unique)
    tercero = await make_tercero(
        bot.crm, nit=f"80{u}123-4", name=f"Cliente {n}", encargado_id=luis.id
    )
    doc = await make_document(bot.crm, tercero, number=f"{u}", balance="900000")
    return await followups.create_followup(
        bot.crm, luis, tercero_id=tercero, type_id=await type_id(bot.crm), document_id=doc
    )


async def _events(bot: BotHarness, kind: str) -> list[FollowUpEvent]:
    async with bot.crm.sessions() as session:
        rows = await session.scalars(select(FollowUpEvent).where(FollowUpEvent.kind == kind))
        return list(rows.all())


async def _promises(bot: BotHarness) -> list[Promise]:
    async with bot.crm.sessions() as session:
        return list((await session.scalars(select(Promise))).all())


async def test_observation_then_promise_on_another_card_records_the_promise(
    bot: BotHarness,
) -> None:
    a = await _with_document(bot, 1)
    b = await _with_document(bot, 2)
    card_a = (await bot.press(Team.luis, f"fu:open:{a.id}"))[0]
    card_b = (await bot.press(Team.luis, f"fu:open:{b.id}"))[0]
    await bot.press(Team.luis, card_a.button("Observación"))
    # Change of mind: Compromiso on card B replaces the observation question on card A.
    asked = await bot.press(Team.luis, card_b.button("Compromiso"))
    left = next(c for c in asked if c.method == "editMessageText")
    assert left.params["message_id"] == card_a.message_id
    assert "Dejaste esta pregunta" in left.text and left.buttons == []
    date_q = (await bot.text(Team.luis, "500.000"))[-1]
    assert "Monto: <b>$ 500.000</b>" in date_q.text
    assert await _events(bot, "observation") == []  # nothing saved on card A
    await bot.press(Team.luis, date_q.button("Mañana"))
    promises = await _promises(bot)
    assert [(p.followup_id, int(p.amount)) for p in promises] == [(b.id, 500000)]


async def test_documents_date_then_observation_goes_to_the_observation(bot: BotHarness) -> None:
    a = await _with_document(bot, 1)
    tercero = (await followups.get_followup(bot.crm, await _actor(bot), a.id)).tercero.id
    docs = (await bot.press(Team.luis, f"te:docs:{tercero}:0:::"))[-1]
    await bot.press(Team.luis, docs.button("Desde"))
    card = (await bot.press(Team.luis, f"fu:open:{a.id}"))[0]
    await bot.press(Team.luis, card.button("Observación"))
    done = await bot.text(Team.luis, "01/11/2026")
    assert any("Observación guardada" in c.text for c in done)
    assert [e.text for e in await _events(bot, "observation")] == ["01/11/2026"]


async def test_config_rename_then_observation_never_renames(bot: BotHarness) -> None:
    f = await _with_document(bot, 3)
    cobro = await type_id(bot.crm)
    await bot.press(Team.admin, f"cf:ren:type:{cobro}")
    # The admin goes elsewhere: an observation on a card (admins may act for anyone).
    card = (await bot.press(Team.admin, f"fu:open:{f.id}"))[0]
    await bot.press(Team.admin, card.button("Observación"))
    await bot.text(Team.admin, "Llamar el lunes")
    async with bot.crm.sessions() as session:
        name = await session.scalar(select(FollowUpType.name).where(FollowUpType.id == cobro))
    assert name == "Cobro de cartera"
    assert [e.text for e in await _events(bot, "observation")] == ["Llamar el lunes"]


async def test_a_command_leaves_the_question(bot: BotHarness) -> None:
    f = await _with_document(bot, 4)
    card = (await bot.press(Team.luis, f"fu:open:{f.id}"))[0]
    await bot.press(Team.luis, card.button("Observación"))
    calls = await bot.text(Team.luis, "/agenda")
    left = next(c for c in calls if c.method == "editMessageText")
    assert "Dejaste esta pregunta" in left.text and left.buttons == []
    hint = await bot.text(Team.luis, "Texto suelto")
    assert "No estoy esperando" in hint[0].text
    assert await _events(bot, "observation") == []


async def test_every_prompt_has_cancel_and_it_says_what_it_cancelled(bot: BotHarness) -> None:
    f = await _with_document(bot, 5)
    card = (await bot.press(Team.luis, f"fu:open:{f.id}"))[0]
    prompt = (await bot.press(Team.luis, card.button("Observación")))[0]
    assert prompt.button("Cancelar") == "ask:x"
    pressed = await bot.press(Team.luis, "ask:x")
    closed = next(c for c in pressed if c.method == "editMessageText")
    assert "cancelado" in closed.text and closed.buttons == []
    assert f"observación de #{f.id}" in pressed[-1].params["text"]
    # /cancelar with nothing pending says so.
    assert "No hay nada que cancelar" in (await bot.text(Team.luis, "/cancelar"))[0].text


async def test_hint_at_most_once_a_minute_and_for_photos(bot: BotHarness) -> None:
    first = await bot.text(Team.luis, "hola")
    assert "No estoy esperando" in first[0].text and "/ayuda" in first[0].text
    assert await bot.text(Team.luis, "hola otra vez") == []
    bot.clock.advance(seconds=61)
    photo = await bot.send(bot.updates.photo(Team.luis, bot=bot.app.bot))
    assert "Adjuntar" in photo[0].text


async def test_english_user_gets_english_prompts_and_cancel(bot: BotHarness) -> None:
    f = await _with_document(bot, 6)
    card = (await bot.press(Team.luis, f"fu:open:{f.id}", language="en"))[0]
    prompt = (await bot.press(Team.luis, card.button("Observation"), language="en"))[0]
    assert any(label == "✖ Cancel" for label, _ in prompt.buttons)
    done = await bot.text(Team.luis, "/cancelar", language="en")
    assert "cancelled" in done[-1].text and "Nothing changed" in done[-1].text


async def test_question_expires_after_fifteen_idle_minutes(bot: BotHarness) -> None:
    f = await _with_document(bot, 7)
    card = (await bot.press(Team.luis, f"fu:open:{f.id}"))[0]
    await bot.press(Team.luis, card.button("Observación"))
    bot.clock.advance(minutes=15, seconds=1)
    late = await bot.text(Team.luis, "tarde")
    assert "inactiva" in late[-1].text
    assert await _events(bot, "observation") == []


# --- property: any sequence of prompts, then a text, changes only what the last one asked ---

PROMPTS = ("Observación", "Posponer:other", "Compromiso")


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(sequence=st.lists(st.tuples(st.integers(0, 1), st.sampled_from(PROMPTS)), min_size=1))
async def test_any_prompt_sequence_then_text_changes_only_the_last(
    bot: BotHarness, sequence: list[tuple[int, str]]
) -> None:
    cards = [await _with_document(bot, 100 + i) for i in range(2)]
    before_obs = len(await _events(bot, "observation"))
    before_pp = len(await _events(bot, "postponed"))
    before_pr = len(await _promises(bot))
    for index, prompt in sequence:
        f = await followups.get_followup(bot.crm, await _actor(bot), cards[index].id)
        card = (await bot.press(Team.luis, f"fu:open:{f.id}"))[0]
        if prompt == "Posponer:other":
            menu = (await bot.press(Team.luis, card.button("Posponer")))[0]
            await bot.press(Team.luis, menu.button("Otro"))
        else:
            await bot.press(Team.luis, card.button(prompt))
    await bot.text(Team.luis, "5")
    last_card, last_prompt = cards[sequence[-1][0]], sequence[-1][1]
    observations = await _events(bot, "observation")
    postponed = await _events(bot, "postponed")
    promises = await _promises(bot)
    assert len(observations) - before_obs == (last_prompt == "Observación")
    assert len(postponed) - before_pp == (last_prompt == "Posponer:other")
    # A promise needs a date too: the amount alone records nothing.
    assert len(promises) == before_pr
    if last_prompt == "Observación":
        assert observations[-1].followup_id == last_card.id
    if last_prompt == "Posponer:other":
        assert postponed[-1].followup_id == last_card.id
        fresh = await followups.get_followup(bot.crm, await _actor(bot), last_card.id)
        assert fresh.due_at - timedelta(hours=5) == postponed[-1].from_due
    await bot.text(Team.luis, "/cancelar")
