"""The site file (``site.toml``) and ``site-check``. Client-side.
"""
