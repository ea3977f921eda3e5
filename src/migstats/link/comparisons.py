"""Comparisons for the Fellegi-Sunter models, as Splink settings dictionaries.

Written as plain dictionaries (Splink's own settings JSON), so that a saved model
file shows exactly what was compared and can be read back without this code. The
levels are built for the faults of administrative person data in the Maldives:
transliterated names (a shared consonant skeleton), typos (Jaro-Winkler and
Damerau-Levenshtein), dates of birth with day and month swapped, and census ages
set against dates of birth.

>>> [lvl["label_for_charts"] for lvl in name_comparison()["comparison_levels"]][:3]
['name missing', 'name exact', 'same transliteration skeleton']
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "birth_comparison",
    "categorical_comparison",
    "name_comparison",
    "name_part_comparison",
    "occupation_comparison",
    "place_comparison",
    "presence_comparison",
    "travel_period_comparison",
]

Comparison = dict[str, Any]


def _level(sql: str, label: str, **extra: Any) -> dict[str, Any]:
    return {"sql_condition": sql, "label_for_charts": label, **extra}


def name_comparison(col: str = "full_name", skeleton: str = "name_skeleton") -> Comparison:
    """Full names: exact (term-frequency adjusted), skeleton, then string similarity."""
    a, b = f'"{col}_l"', f'"{col}_r"'
    return {
        "output_column_name": col,
        "comparison_levels": [
            _level(f"{a} is null or {b} is null", "name missing", is_null_level=True),
            _level(
                f"{a} = {b}",
                "name exact",
                tf_adjustment_column=col,
                tf_adjustment_weight=1.0,
                m_probability=0.85,
            ),
            _level(
                f'"{skeleton}_l" = "{skeleton}_r"',
                "same transliteration skeleton",
                m_probability=0.06,
            ),
            _level(f"damerau_levenshtein({a}, {b}) <= 2", "at most 2 edits", m_probability=0.04),
            _level(
                f"jaro_winkler_similarity({a}, {b}) >= 0.9",
                "Jaro-Winkler >= 0.9",
                m_probability=0.02,
            ),
            _level(
                f"jaro_winkler_similarity({a}, {b}) >= 0.75",
                "Jaro-Winkler >= 0.75",
                m_probability=0.02,
            ),
            _level("else", "different names", m_probability=0.01),
        ],
    }


def name_part_comparison(col: str, tf_column: str | None = None) -> Comparison:
    """One part of a name (surname, or given names) where sources keep parts apart.

    Comparing parts separately keeps a typo in one part from looking like a different
    short name: ``MIN GUO`` / ``MIN GAO`` differ in the whole surname, ``SCHUBER`` /
    ``SCUHBER`` by one swap in a long one. So single edits count as typos only in
    names of six letters or more. The input needs ``<col>_skeleton`` too (see
    :func:`migstats.link.names.name_skeleton`).

    ``tf_column`` names the column whose term frequencies adjust an exact agreement
    (default ``col`` itself); see :func:`migstats.link.train.within_group_frequencies`
    for names counted within each nationality.
    """
    a, b = f'"{col}_l"', f'"{col}_r"'
    # The skeleton is a column of the input (computed once per record, not per pair).
    sa, sb = f'"{col}_skeleton_l"', f'"{col}_skeleton_r"'
    return {
        "output_column_name": col,
        "comparison_levels": [
            _level(f"{a} is null or {b} is null", f"{col} missing", is_null_level=True),
            _level(
                f"{a} = {b}",
                f"{col} exact",
                tf_adjustment_column=tf_column or col,
                tf_adjustment_weight=1.0,
                m_probability=0.85,
                # Frequencies of another column: Splink is told this level is the exact one.
                **({"disable_tf_exact_match_detection": True} if tf_column else {}),
            ),
            _level(
                f"{sa} = {sb}",
                f"{col} same transliteration skeleton",
                m_probability=0.06,
            ),
            _level(
                f"least(length({a}), length({b})) >= 6 and damerau_levenshtein({a}, {b}) <= 1",
                f"{col} one edit (6+ letters)",
                m_probability=0.04,
            ),
            _level(
                f"least(length({a}), length({b})) >= 6"
                f" and jaro_winkler_similarity({a}, {b}) >= 0.92",
                f"{col} Jaro-Winkler >= 0.92 (6+ letters)",
                m_probability=0.02,
            ),
            _level("else", f"{col} different", m_probability=0.03),
        ],
    }


def birth_comparison(col: str = "date_of_birth", age: str | None = None) -> Comparison:
    """Dates of birth (exact, day/month swapped, one part wrong, within a year).

    With ``age`` (an age in whole years on both sides, from the census or computed from
    the date of birth at the census night), records without a date of birth are still
    compared by age.
    """
    a, b = f'"{col}_l"', f'"{col}_r"'
    swapped = (
        f"day({a}) = month({b}) and month({a}) = day({b}) and year({a}) = year({b})"
        f" and day({a}) <> month({a})"
    )
    one_part = (
        f"(year({a}) = year({b}) and (month({a}) = month({b}) or day({a}) = day({b})))"
        f" or (month({a}) = month({b}) and day({a}) = day({b}))"
    )
    both = f"{a} is not null and {b} is not null"
    levels: list[dict[str, Any]] = []
    if age is None:
        levels.append(_level(f"{a} is null or {b} is null", "date missing", is_null_level=True))
    else:
        x, y = f'"{age}_l"', f'"{age}_r"'
        levels.append(
            _level(
                f"({a} is null or {b} is null) and ({x} is null or {y} is null)",
                "date and age missing",
                is_null_level=True,
            )
        )
    levels += [
        _level(f"{both} and {a} = {b}", "date exact", m_probability=0.9),
        _level(f"{both} and {swapped}", "day and month swapped", m_probability=0.02),
        _level(f"{both} and ({one_part})", "one part of the date differs", m_probability=0.04),
    ]
    if age is not None:
        x, y = f'"{age}_l"', f'"{age}_r"'
        levels += [
            _level(
                f"({a} is null or {b} is null) and {x} = {y}",
                "same age (no date)",
                m_probability=0.8,
            ),
            _level(
                f"({a} is null or {b} is null) and abs({x} - {y}) <= 1",
                "age within 1",
                m_probability=0.15,
            ),
        ]
    else:
        levels.append(
            _level(f"abs(datediff('day', {a}, {b})) <= 366", "within a year", m_probability=0.02)
        )
    levels.append(_level("else", "different", m_probability=0.02))
    return {"output_column_name": col, "comparison_levels": levels}


def categorical_comparison(col: str, *, term_frequencies: bool = False) -> Comparison:
    """A code (sex, nationality, visa type): missing, equal, different.

    With ``term_frequencies``, agreeing on a rare code counts for more than agreeing on
    a common one (two work-visa holders agree by chance far less often than two
    tourists do).
    """
    a, b = f'"{col}_l"', f'"{col}_r"'
    tf = {"tf_adjustment_column": col, "tf_adjustment_weight": 1.0} if term_frequencies else {}
    return {
        "output_column_name": col,
        "comparison_levels": [
            _level(f"{a} is null or {b} is null", f"{col} missing", is_null_level=True),
            _level(f"{a} = {b}", f"{col} equal", m_probability=0.98, **tf),
            _level("else", f"{col} different", m_probability=0.02),
        ],
    }


def place_comparison(island: str = "island_code", atoll: str = "atoll_code") -> Comparison:
    """Where a person lives or works: the same island, another island of the same atoll,
    elsewhere.

    The census records the island of usual residence and a work permit the island of
    work; for most migrant workers they are the same island (a resort or industrial
    island houses its workers). Agreeing on a small island says more than agreeing on
    Malé City, so the exact level is adjusted by the island's frequency.
    """
    a, b = f'"{island}_l"', f'"{island}_r"'
    return {
        "output_column_name": island,
        "comparison_levels": [
            _level(f"{a} is null or {b} is null", "island unknown", is_null_level=True),
            _level(
                f"{a} = {b}",
                "same island",
                m_probability=0.85,
                tf_adjustment_column=island,
                tf_adjustment_weight=1.0,
            ),
            _level(f'"{atoll}_l" = "{atoll}_r"', "same atoll", m_probability=0.05),
            _level("else", "another atoll", m_probability=0.1),
        ],
    }


def occupation_comparison(col: str = "occupation_isco") -> Comparison:
    """ISCO-08 occupations: the same unit group, the same sub-major group, different.

    The census codes the occupation the person reports; a work permit the one the
    employer applied for. Coding both from free text to four digits often lands in a
    neighbouring unit group, hence the sub-major (two-digit) level. Agreeing on a
    rare occupation says more than agreeing on construction labourer.
    """
    a, b = f'"{col}_l"', f'"{col}_r"'
    return {
        "output_column_name": col,
        "comparison_levels": [
            _level(f"{a} is null or {b} is null", "occupation unknown", is_null_level=True),
            _level(
                f"{a} = {b}",
                "same unit group",
                m_probability=0.8,
                tf_adjustment_column=col,
                tf_adjustment_weight=1.0,
            ),
            _level(f"left({a}, 2) = left({b}, 2)", "same sub-major group", m_probability=0.1),
            _level("else", "different occupation", m_probability=0.1),
        ],
    }


def travel_period_comparison(
    first: str = "first_crossing",
    last: str = "last_crossing",
    first_direction: str = "first_direction",
    last_direction: str = "last_direction",
) -> Comparison:
    """When two travel documents were used: at the same time, handed over inside the
    country, or how far apart.

    A person uses one passport of a nationality at a time, so documents whose periods
    of use overlap belong to two people; a renewed passport follows the old one after
    some gap. A document last used arriving and another first used leaving, after it,
    is one stay entered on one passport and left on the next (a passport renewed at an
    embassy, a document number re-keyed): two namesakes would each need a crossing
    the border agency missed. The reverse, a document starting the way the other
    ended (arriving again without leaving), needs a missed crossing if it is one
    person, and would make the residence rule impute one: it weighs against the pair.
    How long the gaps of real renewals are is left to EM.
    """
    fl, fr, ll, lr = (f'"{c}_{s}"' for c in (first, last) for s in ("l", "r"))
    dfl, dfr, dll, dlr = (f'"{c}_{s}"' for c in (first_direction, last_direction) for s in "lr")
    gap = f"datediff('day', least({ll}, {lr}), greatest({fl}, {fr}))"
    handed_over = (
        f"({ll} <= {fr} and {dfl} = 'ARR' and {dll} = 'ARR' and {dfr} = 'DEP')"
        f" or ({lr} <= {fl} and {dfr} = 'ARR' and {dlr} = 'ARR' and {dfl} = 'DEP')"
    )
    # Each document entered on and left on: a visitor's pattern. Namesake visitors
    # (one visit each) fall here far more often than a visitor's renewed passport.
    whole_visits = f"{dfl} = 'ARR' and {dll} = 'DEP' and {dfr} = 'ARR' and {dlr} = 'DEP'"
    # The later document starts the way the earlier one ended: one person would have a
    # crossing missed between them (a few in a thousand); namesakes, any pattern.
    broken = f"({ll} <= {fr} and {dll} = {dfr}) or ({lr} <= {fl} and {dlr} = {dfl})"
    return {
        "output_column_name": "travel_period",
        "comparison_levels": [
            _level(
                f"{fl} is null or {fr} is null or {ll} is null or {lr} is null",
                "period unknown",
                is_null_level=True,
            ),
            _level(f"{gap} < 0", "used at the same time", m_probability=0.001),
            _level(
                f"coalesce({handed_over}, false)",
                "handed over inside the country",
                m_probability=0.2,
            ),
            _level(
                f"coalesce({whole_visits}, false)",
                "whole visits on each document",
                m_probability=0.1,
            ),
            _level(
                f"coalesce({broken}, false)",
                "two arrivals or two departures in a row",
                m_probability=0.01,
            ),
            _level(f"{gap} <= 31", "next used within a month", m_probability=0.2),
            _level(f"{gap} <= 366", "next used within a year", m_probability=0.25),
            _level(f"{gap} <= 1096", "next used within three years", m_probability=0.25),
            _level("else", "more than three years apart", m_probability=0.099),
        ],
    }


def presence_comparison(col: str = "present_on_census_night") -> Comparison:
    """Whether the border history puts the person in the country on census night."""
    a, b = f'"{col}_l"', f'"{col}_r"'
    return {
        "output_column_name": col,
        "comparison_levels": [
            _level(f"{a} is null or {b} is null", "presence unknown", is_null_level=True),
            _level(f"{a} and {b}", "in the country on census night", m_probability=0.9),
            _level("else", "abroad on census night", m_probability=0.1),
        ],
    }
