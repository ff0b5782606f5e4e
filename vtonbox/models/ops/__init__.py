"""vtonbox.models.ops."""
