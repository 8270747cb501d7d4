"""Ley 2300 de 2023: the contact rules (rules) and the one guard every contact passes
through — 📞 Contacto, contact activities, visits, pings (guard)."""
