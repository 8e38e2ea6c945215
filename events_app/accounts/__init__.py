"""People who sign in (organizers, on-site staff, partner users), their API tokens and route access."""
