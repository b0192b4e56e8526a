"""cohesion-sim: a strategic-foresight simulator of social cohesion."""

from __future__ import annotations

__all__ = ["SimWarning", "__version__"]

__version__ = "0.1.0"


class SimWarning(UserWarning):
    """Warnings of cohesion-sim (turned into errors in the test suite)."""
