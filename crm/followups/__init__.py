"""Follow-ups (seguimientos): their lifecycle (postpone, close, discard, continue),
/nuevo, the catalogs (types, states, activities, documents), the agenda, pings and letters."""
