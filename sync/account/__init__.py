"""Who is studying on this PC: sign-in, secrets, the device identity, the known-users list,
the profile database and the assignments cache. Client-side engines.
"""
