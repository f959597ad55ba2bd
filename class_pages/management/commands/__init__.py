"""Management commands: demo and scale data, rebuilding class access from the register,
the yearly rollover, and the daily retention and consent-lapse jobs."""
