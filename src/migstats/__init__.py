"""migstats: official statistics on international migration from administrative records.

The package follows the stages in ``docs/architecture.md``: synthetic country (``synth``),
storage, sources, quality, harmonise, link, residence, population, indicators,
disclosure, publish and web. Each stage is a function from tables to tables.
"""

__version__ = "0.1.0"
