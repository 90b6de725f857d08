"""One rich progress bar for long work (import, pull, the daily job, simulations), on stderr.

``with ProgressBar("pulling") as bar:`` then ``bar.update(done, total)`` or
``bar.advance()``; with ``show=False`` both do nothing. The bar disappears when
done (``transient``), so the summary printed afterwards stays readable.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ProgressBar"]


class ProgressBar:
    """A rich progress bar fed by ``update(done, total, description)`` or ``advance()`` calls."""

    def __init__(self, label: str, *, total: int | None = None, show: bool = True) -> None:
        self.label, self.total, self.show = label, total, show
        self._bar: Any = None
        self._task = None

    def __enter__(self) -> ProgressBar:
        if not self.show:
            return self
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True, highlight=False),
            transient=True,
        )
        self._bar.__enter__()
        self._task = self._bar.add_task(self.label, total=self.total)
        return self

    def update(self, done: int, total: int, description: str | None = None) -> None:
        """Show ``done`` of ``total`` (and a new label if given)."""
        if self._bar is None:
            return
        kwargs: dict[str, Any] = {"completed": done, "total": total}
        if description:
            kwargs["description"] = description
        self._bar.update(self._task, **kwargs)

    def advance(self) -> None:
        """One more step done."""
        if self._bar is not None:
            self._bar.advance(self._task)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)
