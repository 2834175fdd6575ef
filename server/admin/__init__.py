"""The admin web at /admin: server-rendered pages for the organization department and the party
school, on the same FastAPI app as the API.

Only ``server.app`` imports this package (an import-linter contract keeps the API core free of
it). Inside: ``web`` (the router: it validates a form or query and calls a service), ``i18n``
(zh_CN first, English second, from ``locale/zh_CN.po``), ``session`` (the signed session cookie
and the CSRF token of every form), ``charts`` (SVG drawn on the server), ``exports`` (every
table as CSV and XLSX) and ``pdf`` (bulletins and certificates). The templates and the one
style sheet are in the package: nothing is fetched from elsewhere, because intranets have no CDN.
"""
