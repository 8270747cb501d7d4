"""Telegram screens for supervisors and admins: /usuarios, /invitaciones,
/config, /auditoria and /reasignar."""
