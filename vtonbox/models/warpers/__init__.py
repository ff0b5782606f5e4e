"""vtonbox.models.warpers."""
