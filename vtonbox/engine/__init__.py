"""Engine components: hooks, optimizer wrappers, and the tools' launch logic."""
from . import hooks, optimizers  # noqa: F401
