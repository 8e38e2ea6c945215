"""The one money type: integer cents and an ISO 4217 currency code, never floats."""

from __future__ import annotations

import msgspec

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$"}


class Money(msgspec.Struct, frozen=True):
    amount_cents: int
    currency: str = "USD"

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise ValueError(f"cannot add {other.currency} to {self.currency}")
        return Money(self.amount_cents + other.amount_cents, self.currency)

    def __str__(self) -> str:
        sign = "-" if self.amount_cents < 0 else ""
        whole, cents = divmod(abs(self.amount_cents), 100)
        return f"{sign}{SYMBOLS.get(self.currency, self.currency + ' ')}{whole:,}.{cents:02d}"
