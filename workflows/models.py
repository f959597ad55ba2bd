"""Models of the moderation app (automatic check tasks arrive with the workflow issue)."""
