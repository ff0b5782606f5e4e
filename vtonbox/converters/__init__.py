"""Converters of released weight files (official PF-AFN, ...) into vtonbox checkpoints."""
