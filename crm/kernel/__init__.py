"""The kernel every feature stands on: the Crm context and clock, errors, who may do
what (permissions, scope), the typed-input grammar and parsers, text and number formatting,
frozen views, confirmations, the audit writer, geometry and charts. Imports no feature."""
