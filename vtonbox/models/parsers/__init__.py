"""vtonbox.models.parsers."""
