"""Telegram only: parse the update, call one use case, render the reply."""
