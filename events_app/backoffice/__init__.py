"""The organizers' back office: server-rendered pages over the domains' own services."""
