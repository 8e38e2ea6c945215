"""Events themselves, the association's structure and its member cities."""
