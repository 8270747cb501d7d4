"""Open invitations (/invitaciones) and the checks an invitation passes when it is used."""

from __future__ import annotations

ES = {
    "invites.title": "<b>Invitaciones abiertas</b> ({total})",
    "invites.none": "No hay invitaciones abiertas. Crea una con /invitar ROL [CODIGO].",
    "invites.line": "• {role} · código {code} · equipo {team} · por {by} · vence {expires}",
    "invites.more": "… y {count} más (revoca las primeras para ver el resto).",
    "invites.revoke": "Revocar {code}",
    "invites.revoked": "Invitación revocada: su enlace ya no sirve.",
    "error.invite_revoked": "Esa invitación fue revocada. Pide una nueva a tu administrador.",
    "error.invite_creator_cannot": (
        "Esa invitación ya no es válida: quien la creó ya no puede invitar a ese rol. "
        "Pide una nueva a tu administrador."
    ),
}

EN = {
    "invites.title": "<b>Open invitations</b> ({total})",
    "invites.none": "No open invitations. Create one with /invitar ROLE [CODE].",
    "invites.line": "• {role} · code {code} · team {team} · by {by} · expires {expires}",
    "invites.more": "… and {count} more (revoke the first ones to see the rest).",
    "invites.revoke": "Revoke {code}",
    "invites.revoked": "Invitation revoked: its link no longer works.",
    "error.invite_revoked": "That invitation was revoked. Ask your admin for a new one.",
    "error.invite_creator_cannot": (
        "That invitation is no longer valid: whoever created it can no longer invite that "
        "role. Ask your admin for a new one."
    ),
}
