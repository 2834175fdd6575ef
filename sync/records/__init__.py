"""This person's study records on this PC: the outbox, the uploader, lesson progress, the
records export and the "my courses" computation. Client-side engines.
"""
