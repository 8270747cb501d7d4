"""Telegram screens of the field day: /ruta, /cerca and visits."""
