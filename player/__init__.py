"""The player: watched-time accounting (pure) and the python-vlc playback adapter.

``accounting`` (WatchAccounting, WatchCheckpoint), ``intervals`` (IntervalSet), ``policy``
(PlayerPolicy), ``clock`` (Clock seams), ``smoothing`` (PositionSmoother), ``events`` and
``backend`` (PlayerBackend protocol, MediaInfo), ``errors`` (PlayerError, PlaybackError,
PolicyError) import only the standard library; ``vlc_backend`` (VlcBackend) is the one module
of the project that imports ``vlc``. Nothing here imports Qt or sync/ (tests/unit/test_layering.py).
"""
