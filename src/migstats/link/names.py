"""Name keys as SQL expressions: normalised names and transliteration skeletons.

Agencies write the same name differently (Mohamed, Mohammed, Muhammad; Hossain,
Hussain). Comparisons work on two derived keys, computed in the database:

- the *normalised* name: upper case, accents and punctuation removed, one space;
- the *skeleton*: per word, the first letter plus the remaining consonants without
  ``H`` and without doubled letters, words sorted. Transliteration variants of South
  Asian and Arabic names mostly differ in vowels, ``H`` and doubling, so they share a
  skeleton, and word order does not matter.

>>> import duckdb
>>> sql = "select " + name_skeleton(normalised_name("'Muhammad Hussain'"))
>>> duckdb.sql(sql).fetchall()
[('HSN MD',)]
>>> duckdb.sql("select " + name_skeleton("'MOHAMED HOSSAIN'")).fetchall()
[('HSN MD',)]
"""

from __future__ import annotations

__all__ = ["joined_name", "name_skeleton", "normalised_name"]


def normalised_name(expr: str) -> str:
    """SQL for ``expr`` upper-cased, without accents or punctuation, single-spaced."""
    letters = f"regexp_replace(upper(strip_accents({expr})), '[^A-Z ]', ' ', 'g')"
    return f"nullif(trim(regexp_replace({letters}, ' +', ' ', 'g')), '')"


def name_skeleton(expr: str) -> str:
    """SQL for the transliteration skeleton of an already normalised name ``expr``."""
    token = "t[1] || regexp_replace(t[2:], '[AEIOUYH]', '', 'g')"
    dedoubled = (
        f"array_to_string(list_filter(string_split({token}, ''), "
        f"lambda ch, i: i = 1 or ch <> string_split({token}, '')[i - 1]), '')"
    )
    return (
        f"array_to_string(list_sort(list_transform(string_split({expr}, ' '), "
        f"lambda t: {dedoubled})), ' ')"
    )


def joined_name(*exprs: str) -> str:
    """SQL joining name parts (given names first) into one normalised full name."""
    parts = ", ".join(f"coalesce({e}, '')" for e in exprs)
    return normalised_name(f"concat_ws(' ', {parts})")
