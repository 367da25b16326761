"""The service layer: runs the domain for many users (stored checks, batches, webhooks, keys)."""
