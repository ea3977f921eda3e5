"""The country profile: the readable YAML that drives the synthetic country.

A profile holds volumes at scale 1.0, shares, behaviour and fault rates. It is validated
up front into frozen, typed settings; every problem is reported at once, naming the key.

>>> p = load_profile()
>>> p.country.iso3, p.residence_rule.window_days
('MDV', 487)
"""

from __future__ import annotations

from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from migstats.errors import UserInputError

Share = Annotated[float, Field(ge=0.0, le=1.0)]
Positive = Annotated[float, Field(gt=0.0)]
Mix = dict[str, Positive]
DayRange = tuple[int, int]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CountrySpec(_Frozen):
    name: str
    iso3: str
    census_night: date


class PeriodSpec(_Frozen):
    start: date
    end: date
    burn_in_years: int = Field(ge=1, le=20)

    @model_validator(mode="after")
    def _ordered(self) -> PeriodSpec:
        if self.end <= self.start:
            raise ValueError("period.end must be after period.start")
        return self


class RuleSpec(_Frozen):
    window_days: int = Field(gt=0)
    threshold_days: int = Field(gt=0)

    @model_validator(mode="after")
    def _threshold_in_window(self) -> RuleSpec:
        if self.threshold_days > self.window_days:
            raise ValueError("threshold_days must not exceed window_days")
        return self


class CitizenSpec(_Frozen):
    population_at_sim_start: Positive
    births_per_1000: Positive
    death_rates: tuple[float, float, float, float]
    female_share: Share
    foreign_born_share: Share
    foreign_birth_countries: Mix
    trips_per_year: Positive
    trip_rate_shape: Positive
    trip_days_median: Positive
    trip_days_sigma: Positive
    trip_days_max: int = Field(gt=0)
    trip_destinations: Mix
    study_abroad_rate: Share
    study_years_min: int = Field(ge=1)
    study_years_max: int = Field(ge=1)
    study_return_share: Share
    study_destinations: Mix
    emigration_rate: Share
    emigrant_return_share: Share
    male_city_share: Share


class OccupationSpec(_Frozen):
    isco: str = Field(pattern=r"^\d{4}$")
    share: Positive
    female: Share
    isic: str = Field(pattern=r"^\d{2}$")
    titles: tuple[str, ...] = Field(min_length=1)


class WorkerSpec(_Frozen):
    arrivals_per_year: dict[int, float]
    age_min: int
    age_max: int
    stay_years_mean: Positive
    stay_years_shape: Positive
    home_visit_gap_days: DayRange
    home_visit_days: DayRange
    permit_days: int = Field(gt=0)
    overstay_share: Share
    overstay_years_mean: Positive
    permit_cancel_share: Share
    dependant_share: Share
    nationalities: Mix
    place_shares: Mix


class TouristSpec(_Frozen):
    arrivals_per_year: dict[int, float]
    month_weights: tuple[float, ...] = Field(min_length=12, max_length=12)
    closures: tuple[tuple[date, date], ...] = ()
    stay_nights_median: Positive
    stay_nights_sigma: Positive
    repeat_share: Share
    repeat_gap_days: DayRange
    visa_days: int = Field(gt=0)
    extension_max_days: int = Field(gt=0)
    overstay_share: Share
    overstay_days: DayRange
    female_share: Share
    markets: Mix


class BusinessSpec(_Frozen):
    visitors: Positive
    visits_per_year: Positive
    stay_days: DayRange
    female_share: Share
    visa_days: int = Field(gt=0)
    nationalities: Mix


class SpouseSpec(_Frozen):
    arrivals_per_year: Positive
    stay_years_mean: Positive
    female_share: Share
    nationalities: Mix


class StudentSpec(_Frozen):
    arrivals_per_year: Positive
    stay_years: DayRange
    female_share: Share
    nationalities: Mix


class CensusSpec(_Frozen):
    coverage_citizens: Share
    coverage_foreigners: Share
    undocumented_factor: Share
    foreign_dob_missing_share: Share
    citizen_lf_participation: dict[str, Share]
    citizen_unemployment_rate: dict[str, Share]
    school_attendance: dict[str, Share]


class FaultSpec(_Frozen):
    missed_crossing: Share
    duplicate_record: Share
    name_typo: Share
    name_variant_people: Share
    passport_validity_years: int = Field(ge=1, le=20)
    dob_day_month_swapped: Share
    invalid_code: Share
    malformed_rows_per_million: float = Field(ge=0)


class Profile(_Frozen):
    """A whole country profile (see ``profiles/maldives.yaml`` for every key explained)."""

    country: CountrySpec
    period: PeriodSpec
    residence_rule: RuleSpec
    citizens: CitizenSpec
    workers: WorkerSpec
    occupations: tuple[OccupationSpec, ...] = Field(min_length=1)
    tourists: TouristSpec
    business: BusinessSpec
    spouses: SpouseSpec
    students: StudentSpec
    census: CensusSpec
    faults: FaultSpec

    @model_validator(mode="after")
    def _census_in_period(self) -> Profile:
        if not self.period.start <= self.country.census_night <= self.period.end:
            raise ValueError("country.census_night must fall inside the period")
        return self

    def with_period(self, start: date | None, end: date | None) -> Profile:
        """A copy with the period replaced (census night must still fall inside it)."""
        period = self.period.model_copy(
            update={"start": start or self.period.start, "end": end or self.period.end}
        )
        try:
            return Profile.model_validate({**self.model_dump(), "period": period.model_dump()})
        except ValidationError as err:
            raise UserInputError("Invalid period", _describe(err), _PERIOD_FIX) from None


_PERIOD_FIX = "choose --start/--end so that start < end and the census night lies between"


def _describe(err: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or '(top)'}: {e['msg']}" for e in err.errors()
    )


@cache
def _default_text() -> str:
    return resources.files("migstats.synth").joinpath("profiles", "maldives.yaml").read_text()


def load_profile(path: Path | None = None) -> Profile:
    """Read and validate a profile; ``None`` gives the built-in Maldives profile.

    All problems are reported together in one :class:`UserInputError`, each naming its key.
    """
    name = str(path) if path else "built-in maldives.yaml"
    if path is not None and not path.is_file():
        raise UserInputError("Profile not found", f"no file {path}", "pass an existing YAML file")
    text = path.read_text("utf-8") if path else _default_text()
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise UserInputError(
            f"Profile {name} is not valid YAML", str(err), "fix the YAML"
        ) from None
    try:
        return Profile.model_validate(data)
    except ValidationError as err:
        raise UserInputError(
            f"Profile {name} has {err.error_count()} problem(s)",
            _describe(err),
            "correct these keys (see the built-in maldives.yaml for each key explained)",
        ) from None
