"""Registration: types and prices, promo codes, group orders, capacity holds, waitlists, cancellations."""
