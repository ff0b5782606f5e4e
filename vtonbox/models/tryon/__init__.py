"""vtonbox.models.tryon."""
