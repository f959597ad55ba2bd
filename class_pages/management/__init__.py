"""The class_pages management commands (see commands/)."""
