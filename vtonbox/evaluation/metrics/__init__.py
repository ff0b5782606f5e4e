"""vtonbox.evaluation.metrics."""
