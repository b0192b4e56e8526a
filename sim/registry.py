"""A registry of kinds by name: built in, registered in-process, or from installed plug-ins.

One shape serves interventions, shocks and extra rules. A kind is looked up by the name a
config file gives (files name registered kinds, never code to import). Three sources,
in this order of precedence (a later one never shadows an earlier one):

1. the built-in kinds, given when the registry is made;
2. kinds registered in-process with :meth:`Registry.register` (a researcher's module);
3. kinds that installed packages declare as entry points of the registry's group, e.g.
   in the plug-in package's ``pyproject.toml``::

       [project.entry-points."cohesion_sim.interventions"]
       town_hall = "my_package.town_hall:TownHall"

Entry points are read once, the first time the registry is used; one that fails to load
or is not of the right type is skipped with a :class:`~sim.SimWarning` naming it.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Mapping
from importlib.metadata import entry_points

from sim import SimWarning

__all__ = ["Registry"]


class Registry[T](Mapping[str, T]):
    """Kinds by name (a read-only mapping over all three sources).

    Args:
        what: what a kind is, for messages ("intervention", "shock", "rule").
        group: the entry-point group plug-ins declare their kinds in.
        accepts: whether a loaded object is a kind of this registry.
        builtin: the built-in kinds by name.
    """

    def __init__(
        self,
        what: str,
        group: str,
        accepts: Callable[[object], bool],
        builtin: Mapping[str, T] | None = None,
    ) -> None:
        self.what = what
        self.group = group
        self._accepts = accepts
        self._builtin: dict[str, T] = dict(builtin or {})
        self._registered: dict[str, T] = {}
        self._plugins: dict[str, T] = {}
        self._loaded = False

    # -------------------------------------------------------------- the mapping
    def _all(self) -> dict[str, T]:
        self.load_plugins()
        return {**self._plugins, **self._registered, **self._builtin}

    def __getitem__(self, name: str) -> T:
        return self._all()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    @property
    def builtin(self) -> dict[str, T]:
        """The built-in kinds."""
        return dict(self._builtin)

    def plugins(self) -> dict[str, T]:
        """The kinds from installed plug-ins."""
        self.load_plugins()
        return dict(self._plugins)

    # -------------------------------------------------------------- adding kinds
    def add_builtin(self, name: str, kind: T) -> None:
        """Add a kind that ships with the package (while the package is imported)."""
        if name in self._builtin or not self._accepts(kind):
            raise ValueError(f"cannot add {kind!r} as built-in {self.what} {name!r}")
        self._builtin[name] = kind

    def register(self, name: str, kind: T) -> None:
        """Register a kind in-process.

        Raises:
            ValueError: for an empty name, a name already taken, or an object that is
                not a kind of this registry.
        """
        if not name:
            raise ValueError(f"a {self.what} kind needs a name")
        if name in self:
            raise ValueError(f"a {self.what} named {name!r} is already registered")
        if not self._accepts(kind):
            raise ValueError(f"{kind!r} is not a {self.what} kind")
        self._registered[name] = kind

    def unregister(self, name: str) -> None:
        """Forget a kind registered in-process (built-in kinds stay)."""
        self._registered.pop(name, None)

    def load_plugins(self, *, force: bool = False) -> None:
        """Read the entry points of the registry's group (once, or again with ``force``)."""
        if self._loaded and not force:
            return
        self._loaded = True
        self._plugins.clear()
        for ep in entry_points(group=self.group):
            if ep.name in self._builtin or ep.name in self._registered:
                _warn(f"{self.what} plug-in {ep.name!r} clashes with a registered {self.what}")
                continue
            try:
                obj = ep.load()
            except Exception as e:
                _warn(f"{self.what} plug-in {ep.name!r} ({ep.value}) failed to load: {e}")
                continue
            if not self._accepts(obj):
                _warn(f"{self.what} plug-in {ep.name!r} ({ep.value}) is not a {self.what} kind")
                continue
            self._plugins[ep.name] = obj


def _warn(message: str) -> None:
    warnings.warn(message, SimWarning, stacklevel=4)
