"""Card (Stripe) and invoice payments, webhooks, refunds; generic over what is bought."""
