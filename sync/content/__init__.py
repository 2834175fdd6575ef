"""Course content on this PC: repository sources, the downloader and its rate limit, the
content store, package import and export. Client-side engines (the server never imports them).
"""
