"""Composition root: settings, application factory, CLI and scheduler wiring."""
