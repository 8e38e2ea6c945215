"""The expo: partners, floor plan, booth holds and bookings, booth staff and leads."""
