"""The weekly email digest: subscriptions, content, the delivery ledger and sending."""
