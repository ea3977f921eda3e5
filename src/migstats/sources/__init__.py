"""Reading agency extracts into canonical tables, driven by data dictionaries."""
