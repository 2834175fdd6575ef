"""Talking to the server: the HTTP transport, the API client, connectivity and the one backoff.
Client-side engines.
"""
