"""The canonical tables that agency extracts map to (ARCHITECTURE.md, data model).

Each source kind lists its canonical columns: the type it is read as, whether it is
required, and whether it is a direct identifier (pseudonymised before the integrated
zone). A project file maps each canonical column to a column of the agency's extract.

>>> [c.name for c in CANONICAL["border_crossing"] if c.required]
['record_id', 'crossing_datetime', 'direction', 'document_no']
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CanonicalColumn:
    """One column of a canonical table."""

    name: str
    #: string, integer, date, datetime, code (a string checked against a code list).
    type: str
    description: str
    required: bool = False
    #: Direct identifier: replaced by a keyed hash before the integrated zone.
    identifier: bool = False
    #: For ``code``: the allowed canonical values (after recoding).
    values: tuple[str, ...] = ()


def _c(name: str, type_: str, description: str, **kw: object) -> CanonicalColumn:
    return CanonicalColumn(name, type_, description, **kw)  # type: ignore[arg-type]


CANONICAL: dict[str, tuple[CanonicalColumn, ...]] = {
    "border_crossing": (
        _c("record_id", "string", "Record number in the agency's system.", required=True),
        _c("crossing_datetime", "datetime", "Date (and time) of the crossing.", required=True),
        _c("direction", "code", "ARR or DEP.", required=True, values=("ARR", "DEP")),
        _c("port", "string", "Border post."),
        _c("document_type", "string", "Travel document type."),
        _c("document_no", "string", "Travel document number.", required=True, identifier=True),
        _c("nationality", "string", "Nationality as recorded (harmonised to M49/ISO3)."),
        _c("surname", "string", "Surname."),
        _c("given_names", "string", "Given names."),
        _c("sex", "code", "M or F.", values=("M", "F")),
        _c("date_of_birth", "date", "Date of birth."),
        _c("visa_type", "string", "Visa or permit type at the crossing."),
    ),
    "visa_permit": (
        _c("permit_id", "string", "Visa or permit number.", required=True),
        _c("permit_type", "string", "Type of visa or permit.", required=True),
        _c("holder_name", "string", "Full name of the holder."),
        _c("document_no", "string", "Passport number.", identifier=True),
        _c("nationality", "string", "Nationality as recorded."),
        _c("date_of_birth", "date", "Date of birth."),
        _c("sex", "code", "M or F.", values=("M", "F")),
        _c("valid_from", "date", "First day of validity.", required=True),
        _c("valid_to", "date", "Last day of validity.", required=True),
        _c("status", "string", "Status on the extract date."),
    ),
    "work_permit": (
        _c("permit_id", "string", "Work permit number.", required=True),
        _c("worker_name", "string", "Full name of the worker."),
        _c("document_no", "string", "Passport number.", identifier=True),
        _c("nationality", "string", "Nationality as recorded."),
        _c("date_of_birth", "date", "Date of birth."),
        _c("sex", "code", "M or F.", values=("M", "F")),
        _c("employer_id", "string", "Employer registration number."),
        _c("employer_name", "string", "Employer name."),
        _c("occupation", "string", "Occupation as recorded (coded to ISCO-08)."),
        _c("industry", "string", "Industry as recorded (coded to ISIC Rev.4)."),
        _c("work_island", "string", "Island of work as recorded."),
        _c("valid_from", "date", "First day of validity.", required=True),
        _c("valid_to", "date", "Last day of validity.", required=True),
        _c("status", "string", "Permit status on the extract date."),
    ),
    "census_person": (
        _c("record_id", "string", "Person number in the census file.", required=True),
        _c("full_name", "string", "Name."),
        _c("sex", "code", "M or F.", required=True, values=("M", "F")),
        _c("age", "integer", "Age in completed years."),
        _c("date_of_birth", "date", "Date of birth."),
        _c("country_of_birth", "string", "Country of birth as recorded."),
        _c("citizenship", "string", "Citizenship as recorded."),
        _c("island", "string", "Island of usual residence as recorded."),
        _c("atoll", "string", "Atoll as recorded."),
        _c("year_of_arrival", "integer", "Year of first arrival."),
        _c("activity_status", "string", "Labour force status."),
        _c("attending_education", "integer", "Attending school or training (1/0)."),
        _c("occupation", "string", "Occupation (ISCO-08)."),
        _c("industry", "string", "Industry (ISIC Rev.4)."),
    ),
    "register_person": (
        _c("national_id", "string", "National ID number.", required=True, identifier=True),
        _c("full_name", "string", "Full name."),
        _c("sex", "code", "M or F.", values=("M", "F")),
        _c("date_of_birth", "date", "Date of birth.", required=True),
        _c("island", "string", "Island of registration as recorded."),
        _c("date_of_death", "date", "Date of death."),
        _c("status", "string", "Registration status."),
    ),
}


def canonical_columns(kind: str) -> tuple[CanonicalColumn, ...]:
    """The canonical columns of a source kind."""
    return CANONICAL[kind]
