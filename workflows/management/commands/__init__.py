"""Management commands: the daily digest of new posts for carers who chose it."""
