"""Template tags of the carer-facing pages (class_pages_tags)."""
