"""Show the library's own source in a notebook, so text and code never drift apart."""

from __future__ import annotations

import inspect


def source(obj) -> str:
    """The source code of a function, class or module."""
    return inspect.getsource(obj)


def show(obj):
    """Display the source of ``obj`` as a highlighted code block (plain text outside IPython)."""
    code = source(obj)
    try:
        from IPython.display import Markdown, display
    except ImportError:  # pragma: no cover - plain Python
        print(code)
        return
    display(Markdown(f"```python\n{code}```"))
