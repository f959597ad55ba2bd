"""The workflows management commands (see commands/)."""
