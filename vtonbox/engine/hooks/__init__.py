"""vtonbox.engine.hooks."""
