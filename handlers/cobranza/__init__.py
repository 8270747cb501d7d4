"""Telegram screens of cobranza: /cartera, 📞 Contacto and 🧾 Pago reportado."""
