"""Use cases and business rules. Imports storage/, never telegram."""
