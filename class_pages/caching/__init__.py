"""Caching of what carers see: version tokens that name every cached fragment and
remembered answer (tokens), and what makes each of them stale (invalidation)."""
