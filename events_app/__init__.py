"""Conference and event management: registration, program, expo, check-in and calendar feeds."""
