"""Harmonisation: every code in the agency extracts brought to the international standard.

Countries and nationalities to ISO alpha-3 + UN M49, Maldives places to island and atoll
codes, occupations to ISCO-08, industries to ISIC Rev.4, visa and permit types to
purposes of stay, and date columns parsed with one format detected per column.

Each coder decides once per *distinct* value and joins the decision back to the rows
with Arrow, so a column of tens of millions of rows codes in seconds. Every decision
says how it was made (``exact``, ``rule``, ``manual``, ``review``, ``uncoded``,
``missing``, ``not_applicable``) and with what confidence. Fuzzy similarity only ever
proposes candidates for a statistician's review list; it never assigns a code.

The stage function is :func:`harmonise_table`; the review round trip is
:func:`export_review` -> fill the ``code`` column -> :func:`import_review` ->
:func:`load_overrides` -> ``harmonise_table(..., overrides=...)``.

>>> import pyarrow as pa
>>> table = pa.table({"nationality": ["Bangladeshi", "Nepali"], "occupation": ["Mason", "Cook"],
...                   "industry": ["Construction", "Restaurant"],
...                   "work_island": ["K. Maafushi", "Hulhumale"]})
>>> out, report = harmonise_table("work_permit", table)
>>> out.column("nationality_m49").to_pylist(), out.column("occupation_isco").to_pylist()
(['050', '524'], ['7112', '5120'])
>>> out.column("work_island_code").to_pylist(), out.column("work_atoll_code").to_pylist()
(['K02', 'MC02'], ['K', 'MC'])
"""

from migstats.harmonise.codebook import (
    CODED_METHODS,
    METHODS,
    Candidate,
    CodedColumn,
    Decision,
    Overrides,
)
from migstats.harmonise.countries import CountryCoder, code_countries, country_groups
from migstats.harmonise.dates import DEFAULT_FORMATS, EXCEL, DateParse, parse_dates
from migstats.harmonise.industries import IndustryCoder, code_industries
from migstats.harmonise.occupations import OccupationCoder, code_occupations
from migstats.harmonise.places import PlaceCoder, code_places
from migstats.harmonise.purposes import PURPOSES, PurposeCoder, code_purposes
from migstats.harmonise.reference import CodeList, builtin_isco, import_isco, load_isco
from migstats.harmonise.report import CodingReport, ReviewItem, VariableReport
from migstats.harmonise.review import export_review, import_review, load_overrides
from migstats.harmonise.stage import KINDS, harmonise_table, harmonised_columns

__all__ = [
    "CODED_METHODS",
    "DEFAULT_FORMATS",
    "EXCEL",
    "KINDS",
    "METHODS",
    "PURPOSES",
    "Candidate",
    "CodeList",
    "CodedColumn",
    "CodingReport",
    "CountryCoder",
    "DateParse",
    "Decision",
    "IndustryCoder",
    "OccupationCoder",
    "Overrides",
    "PlaceCoder",
    "PurposeCoder",
    "ReviewItem",
    "VariableReport",
    "builtin_isco",
    "code_countries",
    "code_industries",
    "code_occupations",
    "code_places",
    "code_purposes",
    "country_groups",
    "export_review",
    "harmonise_table",
    "harmonised_columns",
    "import_isco",
    "import_review",
    "load_isco",
    "load_overrides",
    "parse_dates",
]
