"""Numba's CPU target, loaded without importing scipy.

The first call of any compiled function makes Numba load its CPU target: some sixty
registries of typing and lowering code. One of them, ``numba.np.arraymath``, probes at
import time whether ``scipy.linalg`` is there, only to choose how ``np.correlate`` and
``np.convolve`` compile. Importing scipy's linear algebra takes about 0.25 s, a tenth
of classifying ten million crossings, and the compiled rule uses no linear algebra.

:func:`load_target` loads the target with ``scipy.linalg`` hidden for the moment of the
probe, so Numba picks its own loops for those two functions, and puts it back at once:
scipy imports normally afterwards, and Numba's linear algebra (``np.dot``,
``np.linalg``) still finds it when something compiles it. Where scipy is already
imported there is nothing to save and nothing is hidden.

>>> load_target()
>>> import numba.np.arraymath  # loaded, and scipy can still be imported
>>> "scipy.linalg" not in sys.modules or sys.modules["scipy.linalg"] is not None
True
"""

from __future__ import annotations

import sys
import threading

__all__ = ["load_target"]

_lock = threading.Lock()
_loaded = False


def load_target() -> None:
    """Load Numba's CPU target once per process (see the module docstring)."""
    global _loaded
    if _loaded:
        return
    with _lock:
        if _loaded:
            return
        hide = "numba.np.arraymath" not in sys.modules and "scipy.linalg" not in sys.modules
        if hide:
            # A None entry makes `import scipy.linalg` raise ImportError, which the
            # probe reads as "no BLAS".
            sys.modules["scipy.linalg"] = None  # type: ignore[assignment]
        try:
            from numba.core.registry import cpu_target

            cpu_target.typing_context.refresh()
            cpu_target.target_context.refresh()
        finally:
            if hide and sys.modules.get("scipy.linalg", False) is None:
                del sys.modules["scipy.linalg"]
        _loaded = True
