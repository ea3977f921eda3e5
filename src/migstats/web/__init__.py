"""The migration profile and the secure dashboard.

* :func:`~migstats.web.site.build_site`: a static site from a published release (works
  offline, from a folder);
* :func:`~migstats.web.app.create_app`: the FastAPI application behind ``migstats
  serve``: the public site, a JSON/CSV API of the published tables, and a secure space
  for analysts (unprotected tables, quality, linkage and coding reports) behind login;
* :mod:`~migstats.web.users`: the users file (argon2 password hashes, roles).
"""
