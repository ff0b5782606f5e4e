"""vtonbox.models.losses."""
