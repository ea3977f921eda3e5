"""Which parts of a table's metadata may leave the secure space.

The statistics stage writes into each table's metadata what a statistician needs to
defend it: definitions and settings, and also diagnostic counts (visitors at risk,
holders found by the census, expired permits never seen at the border...). Those
counts are not protected by disclosure control and some are small, so a release keeps:

- text, dates, booleans and the disclosure record;
- settings: whole numbers whose key names one (``*_days``, ``n``, ``base``, ...);
- proportions (numbers between 0 and 1: rates, shares, coverages), which count nobody.

Every other number stays in the secure space (``workspace/statistics/tables.json``),
and the published metadata says so under ``withheld``.

>>> public_metadata({"definition": "residents", "window_days": 487, "found": 5,
...                  "rate": 0.0037, "by_year": {"2019": 12, "2020": 3}})
... # doctest: +NORMALIZE_WHITESPACE
{'definition': 'residents', 'window_days': 487, 'rate': 0.0037,
 'withheld': 'counts and estimates behind the method are kept in the secure space'}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

__all__ = ["public_metadata"]

#: Keys of whole-number settings that may be published.
SETTING_KEYS: Final = frozenset(
    {"n", "base", "decimals", "key_range", "threshold", "window", "version", "years", "lag"}
)
WITHHELD: Final = "counts and estimates behind the method are kept in the secure space"

_DROP = object()


def _is_setting(key: str) -> bool:
    return key in SETTING_KEYS or key.endswith(("_days", "_years", "_lags", "_version"))


def _clean(key: str, value: Any) -> Any:
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int | float):
        if _is_setting(key):
            return value
        if isinstance(value, float) and 0.0 <= value <= 1.0:
            return value
        return _DROP
    if isinstance(value, Mapping):
        cleaned = {k: _clean(str(k), v) for k, v in value.items()}
        kept = {k: v for k, v in cleaned.items() if v is not _DROP}
        return kept if kept or not value else _DROP
    if isinstance(value, list | tuple):
        items = [_clean(key, v) for v in value]
        kept_items = [v for v in items if v is not _DROP]
        return kept_items if kept_items or not value else _DROP
    return str(value)


def public_metadata(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """``metadata`` fit for a release (module docstring); the disclosure record is kept."""
    out: dict[str, Any] = {}
    dropped = False
    for key, value in metadata.items():
        if key == "disclosure":
            out[key] = value
            continue
        cleaned = _clean(key, value)
        if cleaned is _DROP or cleaned != value:
            dropped = True
        if cleaned is not _DROP:
            out[key] = cleaned
    if dropped:
        out["withheld"] = WITHHELD
    return out
