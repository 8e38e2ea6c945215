"""The audit trail: who changed what, when, for every write that matters."""
