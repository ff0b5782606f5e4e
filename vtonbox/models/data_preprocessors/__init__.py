"""vtonbox.models.data_preprocessors."""
