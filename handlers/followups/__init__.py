"""Telegram screens of follow-ups: the card and its actions, /nuevo, /agenda,
ping buttons and support-document letters."""
