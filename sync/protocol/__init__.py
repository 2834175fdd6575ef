"""The wire contract shared by client and server: canonical JSON, keys, errors, records, manifests,
catalog and the records file. The server imports only this package and ``sync.storage``.
"""
