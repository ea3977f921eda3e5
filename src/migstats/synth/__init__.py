"""The synthetic country (filled in below)."""
