"""Deterministic rewrites of free-text titles, shared by the occupation and industry coders.

Each rewrite is a documented rule, not a similarity: a value coded through one of them
gets method ``rule``. They only produce keys to look up *exactly* in an alias or title
table; nothing here guesses.

>>> [k for k, _ in title_variants("Engineer (civil)")]
['civil engineer', 'engineer']
>>> [k for k, _ in title_variants("Snr. Asst Cooks")][:2]
['senior assistant cooks', 'senior assistant cook']
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from migstats.refdata.occupations import normalise_title

__all__ = ["singular", "sorted_key", "title_variants"]

ABBREVIATIONS: dict[str, str] = {
    "asst": "assistant",
    "assit": "assistant",
    "snr": "senior",
    "sr": "senior",
    "jr": "junior",
    "jnr": "junior",
    "mgr": "manager",
    "engr": "engineer",
    "eng": "engineer",
    "tech": "technician",
    "supvr": "supervisor",
    "spvr": "supervisor",
    "supv": "supervisor",
    "hk": "housekeeping",
    "hskp": "housekeeping",
    "opr": "operator",
    "optr": "operator",
    "labor": "labour",
    "laborer": "labourer",
    "scuba": "diving",
    "centre": "center",
}
"""Abbreviations and spelling variants expanded token by token."""

GRADE_WORDS: frozenset[str] = frozenset(
    {"senior", "junior", "trainee", "apprentice", "grade", "level", "i", "ii", "iii", "1", "2", "3"}
)
"""Seniority and grade words that do not change the unit group."""

_PAREN = re.compile(r"^(.*?)[(\[](.*?)[)\]](.*)$")


def singular(word: str) -> str:
    """English singular of a plural job-title word (enough for titles).

    >>> [singular(w) for w in ("cooks", "fishermen", "secretaries", "boss", "watches")]
    ['cook', 'fisherman', 'secretary', 'boss', 'watch']
    """
    if word.endswith("men") and len(word) > 4:
        return word[:-3] + "man"
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "sses")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        return word[:-1]
    return word


def sorted_key(key: str) -> str:
    """Word order ignored: ``"engineer civil"`` and ``"civil engineer"`` share a key.

    >>> sorted_key("engineer civil")
    'civil engineer'
    """
    return " ".join(sorted(key.split()))


def _expand(key: str) -> str:
    return " ".join(ABBREVIATIONS.get(t, t) for t in key.split())


def title_variants(raw: str) -> Iterator[tuple[str, str]]:
    """Rewritten keys of a title, most faithful first, each with the rule's name.

    Parenthesised qualifiers are moved in front, behind, or dropped; abbreviations
    expanded; plurals made singular; grade words dropped. The original key itself is
    not yielded.
    """
    key = normalise_title(raw)
    seen = [key]

    def fresh(candidate: str, rule: str) -> Iterator[tuple[str, str]]:
        candidate = " ".join(candidate.split())
        if candidate and candidate not in seen:
            seen.append(candidate)
            yield candidate, rule

    m = _PAREN.match(raw)
    if m:
        base = normalise_title(f"{m.group(1)} {m.group(3)}")
        qualifier = normalise_title(m.group(2))
        yield from fresh(f"{qualifier} {base}", "qualifier in front")
        yield from fresh(f"{base} {qualifier}", "qualifier behind")
        yield from fresh(base, "qualifier dropped")
    for form in list(seen):  # the title and its qualifier forms, in order
        expanded = _expand(form)
        yield from fresh(expanded, "abbreviation expanded")
        singles = " ".join(singular(t) for t in expanded.split())
        yield from fresh(singles, "singular")
        ungraded = " ".join(t for t in singles.split() if t not in GRADE_WORDS)
        yield from fresh(ungraded, "grade words dropped")
