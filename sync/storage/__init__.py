"""Local storage primitives shared by client and server: opening SQLite files with their
migrations, the one atomic file write, file hashing.
"""
