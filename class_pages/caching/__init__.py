"""Caching of what people see: the version tokens that name every cached fragment and
remembered answer (tokens), and what makes each of them stale, declared as one table
(invalidation; the kinds of row and their wiring: watch)."""
