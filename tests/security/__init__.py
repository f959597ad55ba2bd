"""Adversarial tests: the site attacked by each role of the demo data."""
