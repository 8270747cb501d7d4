"""The audit trail: who did what, as sentences (text) and as pages and Excel (trail)."""
