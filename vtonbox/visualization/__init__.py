"""vtonbox.visualization."""
