"""vtonbox.models.generators."""
