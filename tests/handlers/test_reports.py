"""/informe, /suscribir and /suscripciones through the real application: buttons, typed
arguments, the document sent, refusals, scheduled delivery, and a responsive bot while a big
report is being built."""

from __future__ import annotations

import asyncio
import io
from datetime import datetime
from typing import Any

import pytest
from openpyxl import load_workbook

from bot.jobs import REPORTS_JOB, deliver_due_reports, schedule_report_jobs
from tests.conftest import BOGOTA, BotHarness, Team
from tests.crm.test_charts import check_png
from tests.support.data import make_tercero
from tests.support.reports import add_many_followups, make_book
from tests.support.telegram import ApiCall


@pytest.fixture
async def booked(bot: BotHarness) -> BotHarness:
    await make_book(bot.crm, bot.clock, bot.users)
    return bot


def workbook(call: ApiCall) -> Any:
    assert call.method == "sendDocument"
    return load_workbook(io.BytesIO(call.params["_file_bytes"]["document"]))


def document(calls: list[ApiCall]) -> ApiCall:
    return next(c for c in calls if c.method == "sendDocument")


def filename(call: ApiCall) -> str:
    return str(call.params["_files"]["document"])


async def test_buttons_choose_report_then_period(booked: BotHarness) -> None:
    calls = await booked.text(Team.ana, "/informe")
    menu = calls[-1]
    assert [data for _, data in menu.buttons] == [
        "rp:k:agenda",
        "rp:k:seguimientos",
        "rp:k:actividades",
        "rp:k:cartera",
        "rp:k:recaudo",
        "rp:k:desempeno",
        "rp:k:visitas",
    ]
    calls = await booked.press(Team.ana, menu.button("Seguimientos"))
    assert calls[0].method == "answerCallbackQuery"
    periods = calls[-1]
    assert periods.method == "editMessageText"
    assert [label for label, _ in periods.buttons] == [
        "Hoy",
        "Ayer",
        "Esta semana",
        "Este mes",
        "◀ Volver",
    ]
    calls = await booked.press(Team.ana, periods.button("Este mes"))
    assert calls[0].method == "answerCallbackQuery"
    summary = [c for c in calls if c.method == "editMessageText"][-1]
    assert "Filas: <b>9</b>" in summary.text and "Por estado" in summary.text
    sent = document(calls)
    assert filename(sent) == "informe-seguimientos-2026-11-01-2026-11-27.xlsx"
    data = workbook(sent).worksheets[0]
    owners = {r[5] for r in data.iter_rows(min_row=2, values_only=True)}
    assert owners == {"Luis Gómez", "María Ruiz"}  # ANA's team, not PEDRO
    back = await booked.press(Team.ana, periods.button("Volver"))
    assert len(back[-1].buttons) == 7


async def test_cartera_button_sends_the_file_straight_away(booked: BotHarness) -> None:
    calls = await booked.press(Team.luis, "rp:k:cartera")
    sent = document(calls)
    assert filename(sent).startswith("informe-cartera-")
    rows = list(workbook(sent).worksheets[0].iter_rows(min_row=2, values_only=True))
    assert {r[2] for r in rows} == {"Luis Gómez"}


async def test_typed_report_sends_summary_then_file(booked: BotHarness) -> None:
    calls = await booked.text(Team.ana, "/informe seguimientos mes estado:pagado")
    methods = [c.method for c in calls]
    assert methods == ["sendChatAction", "sendMessage", "sendPhoto", "sendDocument"]
    assert "Seguimientos" in calls[1].text and "estado:pagado" in calls[1].text
    assert "Filas: <b>1</b>" in calls[1].text
    check_png(calls[2].params["_file_bytes"]["photo"])  # the chart by days overdue
    sent = calls[3]
    assert filename(sent) == "informe-seguimientos-2026-11-01-2026-11-27.xlsx"
    assert sent.chat_id == Team.ana
    rows = list(workbook(sent).worksheets[0].iter_rows(min_row=2, values_only=True))
    assert [r[4] for r in rows] == ["Pagado"]


async def test_cartera_summary_shows_money(booked: BotHarness) -> None:
    calls = await booked.text(Team.admin, "/informe cartera")
    assert "Saldo total: <b>$ 1.550.001</b>" in calls[1].text
    assert "Corriente $ 100.000 (1)" in calls[1].text


async def test_english_user_gets_english_file(booked: BotHarness) -> None:
    calls = await booked.text(Team.ana, "/informe actividades semana", language="en")
    assert "Rows:" in calls[1].text
    wb = workbook(calls[2])
    assert [c.value for c in wb.worksheets[0][1]] == [
        "Date",
        "Follow-up",
        "NIT",
        "Tercero",
        "Owner",
        "Event",
        "Detail",
    ]
    assert wb.sheetnames == ["Activities", "Summary"]


async def test_bad_arguments_show_the_right_form(booked: BotHarness) -> None:
    for text in ("/informe ventas", "/informe seguimientos mañana", "/informe agenda x:y"):
        calls = await booked.text(Team.luis, text)
        assert [c.method for c in calls] == ["sendMessage"]
        assert "/informe TIPO [PERIODO] [filtros]" in calls[0].text
        assert "Ejemplo" in calls[0].text


async def test_agent_asking_for_someone_else_is_not_authorized(booked: BotHarness) -> None:
    calls = await booked.text(Team.luis, "/informe seguimientos mes agente:MARIA")
    assert calls[-1].method == "sendMessage" and "No autorizado" in calls[-1].text
    assert not [c for c in calls if c.method == "sendDocument"]


async def test_refusal_after_a_button_lands_in_the_message(
    booked: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crm.reports import build

    monkeypatch.setattr(build, "MAX_UPLOAD_BYTES", 100)
    calls = await booked.press(Team.admin, "rp:p:actividades:mes")
    assert calls[0].method == "answerCallbackQuery"
    assert "50 MB" in calls[-1].text and calls[-1].method == "editMessageText"
    assert not [c for c in calls if c.method == "sendDocument"]


async def test_forged_report_buttons_are_answered(booked: BotHarness) -> None:
    for data in ("rp:k:ventas", "rp:p:seguimientos:siglo", "rp:zz", "rp:unsub:abc"):
        calls = await booked.press(Team.luis, data)
        assert calls[-1].method == "answerCallbackQuery"


async def test_subscribe_list_and_cancel_with_a_button(booked: BotHarness) -> None:
    calls = await booked.text(Team.ana, "/suscribir")
    assert "/suscribir TIPO diario|semanal HH:MM" in calls[0].text
    calls = await booked.text(Team.ana, "/suscribir seguimientos diario 07:00 agente:LUIS")
    assert "Suscrito" in calls[0].text and "28/11/2026 07:00" in calls[0].text
    await booked.text(Team.ana, "/suscribir desempeno semanal 08:00")
    calls = await booked.text(Team.ana, "/suscripciones")
    listing = calls[0]
    assert "agente:LUIS" in listing.text and "semanal (lunes)" in listing.text
    assert [label for label, _ in listing.buttons] == ["❌ Cancelar 1", "❌ Cancelar 2"]
    # Someone else pressing ANA's button is refused and nothing changes.
    calls = await booked.press(Team.luis, listing.button("Cancelar 1"))
    assert "No autorizado" in calls[-1].params["text"]
    calls = await booked.press(Team.ana, listing.button("Cancelar 1"))
    assert calls[0].method == "answerCallbackQuery" and "cancelada" in calls[0].params["text"]
    assert calls[-1].method == "editMessageText" and "agente:LUIS" not in calls[-1].text
    assert len(calls[-1].buttons) == 1
    calls = await booked.press(Team.ana, listing.buttons[1][1] or "")
    assert "No tienes suscripciones" in calls[-1].text


async def test_scheduled_delivery_sends_the_file_once(booked: BotHarness) -> None:
    await booked.text(Team.ana, "/suscribir seguimientos diario 18:00")
    booked.request.clear()
    assert await deliver_due_reports(booked.app, "test-instance") == 0
    booked.clock.set(datetime(2026, 11, 27, 18, 0, tzinfo=BOGOTA))
    assert await deliver_due_reports(booked.app, "test-instance") == 1
    assert await deliver_due_reports(booked.app, "other-instance") == 0
    sent = booked.request.sent("sendDocument")
    assert len(sent) == 1 and sent[0].chat_id == Team.ana
    assert filename(sent[0]) == "informe-seguimientos-2026-11-27-2026-11-27.xlsx"
    assert booked.request.sent("sendMessage")[0].chat_id == Team.ana


async def test_the_job_is_scheduled_every_minute(booked: BotHarness) -> None:
    schedule_report_jobs(booked.app)
    schedule_report_jobs(booked.app)  # idempotent
    jobs = booked.app.job_queue.get_jobs_by_name(REPORTS_JOB)
    assert len([j for j in jobs if not j.removed]) == 1


async def test_bot_keeps_answering_while_a_big_report_builds(bot: BotHarness) -> None:
    tercero = await make_tercero(bot.crm, encargado_id=bot.users["LUIS"])
    await add_many_followups(bot.crm, bot.users["LUIS"], tercero, 8_000)
    ticks = 0
    stop = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not stop.is_set():
            await asyncio.sleep(0.01)
            ticks += 1

    ticking = asyncio.create_task(ticker())
    report = asyncio.create_task(bot.text(Team.admin, "/informe seguimientos mes"))
    while ticks < 5:  # let the report get going
        await asyncio.sleep(0.01)
    greeting = [c for c in await bot.text(Team.luis, "/start") if c.chat_id == Team.luis]
    assert "Luis Gómez" in greeting[0].text
    assert not report.done()  # /start was answered while the report was still building
    ticks_at_start = ticks
    started = asyncio.get_running_loop().time()
    calls = await report
    elapsed = asyncio.get_running_loop().time() - started
    stop.set()
    await ticking
    # The loop kept running during the whole build: a blocked loop would tick about never;
    # a free one every 10 ms (allowing for a busy machine, a third of that).
    assert ticks - ticks_at_start >= min(20, elapsed / 0.01 / 3)
    # Calls of both users interleave in the recorder: pick the admin's.
    mine = [c for c in bot.request.calls if c.chat_id == Team.admin]
    assert [c.method for c in mine] == [
        "sendChatAction",
        "sendMessage",
        "sendPhoto",
        "sendDocument",
    ]
    assert "Filas: <b>8.000</b>" in mine[1].text
    assert filename(mine[3]).startswith("informe-seguimientos-")
    assert calls
