"""Blocking rules: which pairs a model scores, and which it trains on.

Prediction rules are unions (a pair found by any rule is scored once), chosen so that
each known fault still leaves one rule that catches the pair: a day/month swap keeps
the name skeleton and year of birth; a typo in the name keeps the date of birth; a
census record without a date of birth keeps name skeleton, sex and citizenship.
Training rules block on one group of fields so EM can estimate the others.

>>> dedup_prediction_rules()[0]["blocking_rule"]  # doctest: +ELLIPSIS
'l."date_of_birth" = r."date_of_birth" and l."sex" = r."sex" and ... = left(r."surname", 1)'
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "census_prediction_rules",
    "census_training_rules",
    "dedup_prediction_rules",
    "dedup_training_rules",
    "permit_prediction_rules",
]

Rule = dict[str, Any]


def _on(*cols: str) -> Rule:
    return {
        "blocking_rule": " and ".join(f'l."{c}" = r."{c}"' for c in cols),
        "sql_dialect": "duckdb",
    }


def _sql(rule: str) -> Rule:
    return {"blocking_rule": rule, "sql_dialect": "duckdb"}


_SKELETON_YEAR = _sql(
    'l."name_skeleton" = r."name_skeleton" and year(l."date_of_birth") = year(r."date_of_birth")'
)


_SAME_PERSON_DATA = (
    'l."date_of_birth" = r."date_of_birth" and l."sex" = r."sex"'
    ' and l."nationality" = r."nationality"'
)


def dedup_prediction_rules() -> list[Rule]:
    """Traveller pairs to score.

    Same birth date, sex and nationality, and the same first letter of the surname or
    of the given names (a typo rarely hits both first letters; this keeps the pairs
    linear in the country's size, not quadratic), or the same name skeleton and year of
    birth (which also catches a nationality coded differently or a wrong birth date).
    """
    return [
        _sql(f'{_SAME_PERSON_DATA} and left(l."surname", 1) = left(r."surname", 1)'),
        _sql(f'{_SAME_PERSON_DATA} and left(l."given_names", 1) = left(r."given_names", 1)'),
        _SKELETON_YEAR,
    ]


def dedup_training_rules() -> list[Rule]:
    """EM passes for deduplication: within the same birth date, sex and nationality,
    one pass blocks on the surname skeleton (estimating given names), one on the given
    names' skeleton (estimating the surname). Blocking on the birth date alone would
    give billions of pairs at national scale.

    The date of birth's own m probabilities come from known matches (crossings on one
    document), see :func:`migstats.link.train.m_from_known_matches`.
    """
    return [
        _sql(f'{_SAME_PERSON_DATA} and l."surname_skeleton" = r."surname_skeleton"'),
        _sql(f'{_SAME_PERSON_DATA} and l."given_names_skeleton" = r."given_names_skeleton"'),
    ]


def census_prediction_rules() -> list[Rule]:
    """Census person and border person pairs to score.

    Citizenship plus the name skeleton catches a misreported age; citizenship, the age
    (the spine's computed at census night) and the skeleton's first letter catch a
    misspelt name (a misspelling rarely hits the first letter; without it, every
    census worker of an age meets every spine worker of that age and nationality:
    184M pairs at national scale instead of 23M, for 55 more true pairs of 118,000);
    the date of birth, where the census has one, catches a changed citizenship. Sex is
    left out of every rule, so a sex coding error costs weight, not the pair.
    """
    return [
        _on("nationality", "name_skeleton"),
        _sql(
            'l."nationality" = r."nationality" and l."age" = r."age"'
            ' and left(l."name_skeleton", 1) = left(r."name_skeleton", 1)'
        ),
        _on("date_of_birth"),
    ]


def census_training_rules() -> list[Rule]:
    """EM passes for census to border: on age and nationality, then on the name."""
    return [_on("nationality", "age", "sex"), _on("nationality", "name_skeleton")]


def permit_prediction_rules() -> list[Rule]:
    """Permit holder and border person pairs to score (no shared document number)."""
    return [_on("date_of_birth", "sex"), _SKELETON_YEAR, _on("full_name", "nationality")]
