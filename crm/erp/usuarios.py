"""``crm-bot import usuarios FILE``: the team from the ERP, before everyone has Telegram.

Columns: ``codigo`` (required, the key), ``nombre`` (required), ``rol``
(agente|supervisor|administrador, English names too; a new user without it is an agent),
``supervisor`` (the code of a user who is a supervisor, here or in the same file),
``telegram_id`` (optional) and ``activo`` (si/no). A user without a Telegram id is *pending*:
terceros and follow-ups can name them already; ``crm-bot users link CODE`` gives the one-time
link that binds their Telegram account (crm/user_link.py). Pending users are flagged
unreachable, so nobody tries to message them.

Same rules as the other imports (crm/erp/importer.py, which registers this importer): all or
nothing, every bad row reported as ``FILE:ROW: column: problem``, the last row of a code wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from crm.erp.cells import Column, Importer, ImportResult, Row, RowError, last_wins, plain_text
from crm.kernel.parsing import BadValue, cell_text, parse_code, show
from crm.kernel.text import strip_accents
from crm.people.invitations import USER_CODE
from storage.models import Role, User

# Spanish and English role words of the file (as /invitar accepts them).
ROLE_WORDS = {
    "agente": "agent",
    "agent": "agent",
    "vendedor": "agent",
    "supervisor": "supervisor",
    "admin": "admin",
    "administrador": "admin",
    "administrator": "admin",
}
YES = {"si", "s", "yes", "y", "true", "1", "x", "activo", "active"}
NO = {"no", "n", "false", "0", "inactivo", "inactive"}
MAX_TELEGRAM_ID = 2**53  # Telegram promises ids fit in 52 bits


def parse_role(value: object) -> str:
    word = strip_accents(cell_text(value).lower())
    role = ROLE_WORDS.get(word)
    if role is None:
        raise BadValue("import.problem.bad_role", value=show(cell_text(value)))
    return role


def parse_yes_no(value: object) -> bool:
    if isinstance(value, bool):
        return value
    word = strip_accents(cell_text(value).lower())
    if word in YES:
        return True
    if word in NO:
        return False
    raise BadValue("import.problem.bad_yes_no", value=show(cell_text(value)))


def parse_telegram_id(value: object) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = cell_text(value).replace(" ", "")
    if not text.isdigit() or not 0 < int(text) < MAX_TELEGRAM_ID:
        raise BadValue("import.problem.bad_telegram_id", value=show(cell_text(value)))
    return int(text)


def parse_user_code(value: object) -> str:

    code = parse_code(value)
    if not USER_CODE.match(code):
        raise BadValue("import.problem.bad_user_code", value=show(code))
    return code


@dataclass
class _Known:
    """A user as the import sees it: in the database and/or in the file so far."""

    id: int | None
    code: str
    name: str
    role: str
    supervisor_id: int | None
    telegram_id: int | None
    active: bool


class UserImporter(Importer):
    """The usuarios file: codes, names, roles, supervisors (by code, in the database or the same
    file), Telegram ids and whether active."""

    file_columns = (
        Column("codigo", True, aliases=("code", "usuario")),
        Column("nombre", True, aliases=("name",)),
        Column("rol", aliases=("role",)),
        Column("supervisor"),
        Column("telegram_id", aliases=("telegramid", "telegram", "idtelegram")),
        Column("activo", aliases=("active",)),
    )

    # Rows name their supervisor by code; the link is checked and written once every row
    # of the file is known, so a supervisor may come after their agents.
    async def prepare(self) -> None:
        await super().prepare()
        rows = (await self.session.execute(select(User))).scalars().all()
        self.known: dict[str, _Known] = {
            u.code: _Known(u.id, u.code, u.name, u.role, u.supervisor_id, u.telegram_id, u.active)
            for u in rows
        }
        self.by_telegram = {u.telegram_id: u.code for u in rows if u.telegram_id}
        # Checked in finish(), when the whole file is known: code -> (row, supervisor code,
        # "" to clear it), and the roles the file gives (the last row of a code wins).
        self.links: dict[str, tuple[int, str]] = {}
        self.file_roles: dict[str, str] = {}
        self.before: dict[str, tuple[Any, ...]] = {}

    async def check(self, rows: list[Row]) -> list[dict[str, Any] | None]:
        records: list[dict[str, Any] | None] = []
        for row in rows:
            code = row.get("codigo", parse_user_code, required=True, limit=40)
            name = row.get("nombre", plain_text, required=True, limit=120)
            record: dict[str, Any] = {"row": row.number, "code": code, "name": name}
            if row.has("rol"):
                record["role"] = row.get("rol", parse_role)
            if code and (record.get("role") or code not in self.known):
                self.file_roles[code] = record.get("role") or "agent"
            if row.has("activo"):
                record["active"] = row.get("activo", parse_yes_no)
            if row.has("telegram_id"):
                telegram_id = row.get("telegram_id", parse_telegram_id)
                owner = self.by_telegram.get(telegram_id) if telegram_id else None
                if owner is not None and owner != code:
                    row.fail("telegram_id", "import.problem.telegram_taken",
                             value=telegram_id, code=owner)  # fmt: skip
                record["telegram_id"] = telegram_id
            if row.has("supervisor"):
                supervisor = row.get("supervisor", parse_code)
                record["supervisor"] = supervisor or ""
                if supervisor and supervisor == code:
                    row.fail("supervisor", "import.problem.own_supervisor", value=code)
                elif code:
                    self.links[code] = (row.number, supervisor or "")
            records.append(record)
        return records

    async def write(self, records: list[dict[str, Any]], result: ImportResult) -> None:
        for record in last_wins(records, lambda r: r["code"]):
            await self._upsert(record)

    async def _upsert(self, record: dict[str, Any]) -> None:
        code = record["code"]
        user = await self.session.scalar(select(User).where(User.code == code))
        if user is None:
            telegram_id = record.get("telegram_id")
            user = User(
                code=code,
                name=record["name"],
                role=record.get("role") or "agent",
                telegram_id=telegram_id,
                active=record.get("active", True),
                # Pending (no Telegram yet): never a recipient until linked.
                unreachable=telegram_id is None,
                unreachable_reported=telegram_id is None,
                created_at=self.crm.now(),
            )
            self.session.add(user)
            await self.session.flush()
            self.before[code] = ()
        else:
            self.before.setdefault(code, _state(user))
            user.name = record["name"]
            if record.get("role"):
                user.role = record["role"]
            if record.get("active") is not None:
                user.active = record["active"]
            telegram_id = record.get("telegram_id")
            if telegram_id and user.telegram_id != telegram_id:
                user.telegram_id = telegram_id
                user.unreachable = False
                user.unreachable_reported = False
        if user.telegram_id:
            self.by_telegram[user.telegram_id] = code
        if user.role != Role.AGENT and "supervisor" not in record:
            user.supervisor_id = None  # only agents have a supervisor

    async def finish(self, result: ImportResult) -> None:
        """Check every supervisor named in the file against the roles after it, link the
        agents (when the rows were written) and count the changes."""
        roles = {code: known.role for code, known in self.known.items()}
        roles.update(self.file_roles)
        good: dict[str, str] = {}
        for code, (row, supervisor_code) in self.links.items():
            problem = None
            if not supervisor_code:
                pass
            elif supervisor_code not in roles:
                problem = ("import.problem.unknown_user", show(supervisor_code))
            elif roles[supervisor_code] != "supervisor":
                problem = ("import.problem.not_supervisor", supervisor_code)
            elif roles.get(code) != "agent":
                problem = ("import.problem.not_agent", code)
            if problem is None:
                good[code] = supervisor_code
            else:
                key, value = problem
                self.fail(result, RowError(row, "supervisor", key, {"value": value}))
        if not self.before:
            return  # nothing was written (a bad row stopped the writing)
        users = {u.code: u for u in (await self.session.execute(select(User))).scalars().all()}
        for code, supervisor_code in good.items():
            if code in users:
                supervisor = users.get(supervisor_code)
                users[code].supervisor_id = supervisor.id if supervisor else None
        await self.session.flush()
        for code, before in self.before.items():
            if before == ():
                result.inserted += 1
            elif _state(users[code]) != before:
                result.updated += 1
            else:
                result.unchanged += 1

    def fail(self, result: ImportResult, error: Any) -> None:
        result.bad_rows += 1
        self.report(error)


def _state(user: User) -> tuple[Any, ...]:
    return (user.name, user.role, user.supervisor_id, user.telegram_id, user.active)
