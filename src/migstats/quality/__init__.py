"""Data quality: dictionary and cross-field rules as SQL aggregates, quarantine, reports."""
