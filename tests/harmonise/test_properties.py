"""Invariants of every coder, on arbitrary text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migstats.harmonise import (
    CODED_METHODS,
    CountryCoder,
    IndustryCoder,
    OccupationCoder,
    PlaceCoder,
    PurposeCoder,
)
from migstats.harmonise.codebook import Coder

CODERS: list[Coder] = [
    CountryCoder(),
    PlaceCoder(),
    OccupationCoder(),
    IndustryCoder(),
    PurposeCoder(),
]
WORDS = [
    "british",
    "indian",
    "virgin",
    "islands",
    "ocean",
    "territory",
    "maafushi",
    "cook",
    "K.",
    "(K)",
    "labourer",
    "resort",
    "visa",
    "050",
    "GBN",
    "D",
    "??",
    "é",
    "-",
    "/",
]
text = st.one_of(
    st.text(max_size=30),
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=4).map(" ".join),
)


@pytest.mark.parametrize("coder", CODERS, ids=lambda c: c.classification)
@settings(max_examples=150, deadline=None)
@given(raw=text)
def test_fuzzy_similarity_never_assigns_a_code(coder: Coder, raw: str) -> None:
    decision = coder.decide(raw, None)
    assert decision.coded == (decision.code is not None)
    if decision.coded:
        assert decision.code is not None and coder.is_valid(decision.code)
        assert decision.confidence is not None and 0 < decision.confidence <= 1
        import migstats.harmonise as package

        module = getattr(package, type(coder).__module__.rsplit(".", 1)[1])
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(module, "fuzzy_candidates", lambda *a, **k: ())
            again = coder.decide(raw, None)
        assert (again.code, again.method) == (decision.code, decision.method)
    else:
        assert decision.method not in CODED_METHODS
