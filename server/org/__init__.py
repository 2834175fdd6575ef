"""The organization: the unit tree, cadre levels, admin roles, training classes, and reading
an organization department's spreadsheets. Pure Python over plain values (no database, no HTTP);
the server's storage and commands call it.
"""
