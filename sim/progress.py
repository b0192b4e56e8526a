"""Progress bars for long work, shown only once it has taken a few seconds."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from tqdm import tqdm

__all__ = ["progress_bar"]

#: Seconds before a bar appears: short runs print nothing.
DELAY = 3.0


def progress_bar[T](
    items: Iterable[T], desc: str, unit: str, *, enabled: bool = True, total: int | None = None
) -> Iterator[T]:
    """Iterate over ``items`` with a progress bar on stderr (after DELAY seconds)."""
    if not enabled:
        yield from items
        return
    yield from tqdm(
        items, desc=desc, unit=unit, delay=DELAY, total=total, leave=False, dynamic_ncols=True
    )
