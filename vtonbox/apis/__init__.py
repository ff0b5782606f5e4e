"""vtonbox.apis."""
