"""mockturk: a local server that speaks the Amazon Mechanical Turk requester API."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from mockturk.testing import serve

__all__ = ["__version__", "serve"]


def __getattr__(name: str) -> Any:
    # ``mockturk.serve`` loads the server stack only when used, so importing mockturk (as
    # pytest does for the plugin) stays cheap.
    if name == "serve":
        from mockturk.testing import serve

        return serve
    raise AttributeError(f"module 'mockturk' has no attribute {name!r}")
