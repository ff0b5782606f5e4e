"""vtonbox.datasets.transforms."""
