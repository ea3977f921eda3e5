"""Versioned reference data: countries (UN M49, ISO, ICAO), Maldives geography,
ISCO-08 occupations, ISIC Rev.4 industries. Every code list carries its version and
validity dates."""
