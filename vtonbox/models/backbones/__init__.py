"""vtonbox.models.backbones."""
