"""Turns the engines' error codes into clear, translated messages for people.

The cores (sync/, player/) raise errors with a stable ``code`` and an English ``detail``
for logs. Everything a person reads goes through Qt's translation system here, so the
window and the command line say the same thing in the UI language. Add a code here when
an engine starts raising it; tests check every code raised has a message.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from client.i18n import QT_TRANSLATE_NOOP
from sync.protocol.errors import SyncError

_CTX = "Messages"

# code -> source text (English); lupdate picks these up through QT_TRANSLATE_NOOP.
MESSAGES: dict[str, str] = {
    "sync_error": QT_TRANSLATE_NOOP("Messages", "Something went wrong while talking to the server."),
    "network": QT_TRANSLATE_NOOP("Messages", "The server cannot be reached. Check the network and try again."),
    "server_busy": QT_TRANSLATE_NOOP("Messages", "The server is busy. StudyDesk will try again shortly."),
    "auth": QT_TRANSLATE_NOOP("Messages", "Your sign-in has expired. Please sign in again."),
    "rejected": QT_TRANSLATE_NOOP("Messages", "The server refused the record."),
    "integrity": QT_TRANSLATE_NOOP("Messages", "The data failed its integrity check and was not used."),
    "format": QT_TRANSLATE_NOOP("Messages", "The data is not in a format StudyDesk understands."),
    "unsafe_path": QT_TRANSLATE_NOOP("Messages", "The package names a file outside its folder and was refused."),
    "storage": QT_TRANSLATE_NOOP("Messages", "The file could not be saved. Check that the disk has free space."),
    "db_busy": QT_TRANSLATE_NOOP("Messages", "The study data on this PC is busy in another program. "
                                 "Try again in a moment."),
    "db_too_new": QT_TRANSLATE_NOOP("Messages", "The study data on this PC was saved by a newer version of "
                                    "StudyDesk. Please update StudyDesk."),
    "cancelled": QT_TRANSLATE_NOOP("Messages", "Cancelled."),
    "not_canonical": QT_TRANSLATE_NOOP("Messages", "The data could not be encoded."),
    "malformed_json": QT_TRANSLATE_NOOP("Messages", "The file is damaged: it is not valid JSON."),
    "unknown_format": QT_TRANSLATE_NOOP("Messages", "The package was made by a newer version of the system. "
                                        "Please update StudyDesk."),
    "missing_field": QT_TRANSLATE_NOOP("Messages", "The file is incomplete: a required field is missing."),
    "bad_field": QT_TRANSLATE_NOOP("Messages", "The file contains an invalid value."),
    "bad_id": QT_TRANSLATE_NOOP("Messages", "The file contains an invalid identifier."),
    "bad_hash": QT_TRANSLATE_NOOP("Messages", "The file contains an invalid checksum."),
    "bad_key": QT_TRANSLATE_NOOP("Messages", "A key in the configuration is not valid."),
    "bad_signature": QT_TRANSLATE_NOOP("Messages", "The signature does not match: the data may have been "
                                       "tampered with and was not used."),
    "unknown_key": QT_TRANSLATE_NOOP("Messages", "The package is signed by a publisher this site does not trust."),
    "site_missing": QT_TRANSLATE_NOOP("Messages", "The site file was not found."),
    "site_malformed": QT_TRANSLATE_NOOP("Messages", "The site file is damaged: it is not valid TOML."),
    "site_invalid": QT_TRANSLATE_NOOP("Messages", "The site file contains an invalid setting."),
    # course packages (sync/content/downloader.py, repo_source.py, store.py, package_io.py)
    "not_found": QT_TRANSLATE_NOOP("Messages", "The course or file was not found in the repository."),
    "forbidden": QT_TRANSLATE_NOOP("Messages", "The server refused access to the course repository."),
    "server_error": QT_TRANSLATE_NOOP("Messages", "The server had an internal error. Please try again later."),
    "http_error": QT_TRANSLATE_NOOP("Messages", "The server gave an unexpected answer."),
    "tls": QT_TRANSLATE_NOOP("Messages", "The server's security certificate could not be verified."),
    "read_failed": QT_TRANSLATE_NOOP("Messages", "The package folder could not be read."),
    "too_large": QT_TRANSLATE_NOOP("Messages", "The file is far larger than it should be and was not used."),
    "bad_range": QT_TRANSLATE_NOOP("Messages", "The server sent the wrong part of a file."),
    "truncated": QT_TRANSLATE_NOOP("Messages", "A file arrived incomplete. Try again later."),
    "range": QT_TRANSLATE_NOOP("Messages", "A partly downloaded file had to be started over."),
    "hash_mismatch": QT_TRANSLATE_NOOP("Messages", "A file failed its checksum: it is damaged or was tampered "
                                       "with, and was not used."),
    "size_mismatch": QT_TRANSLATE_NOOP("Messages", "A file has the wrong size: it is damaged or was tampered "
                                       "with, and was not used."),
    "wrong_manifest": QT_TRANSLATE_NOOP("Messages", "The repository sent the description of a different course."),
    "missing_blob": QT_TRANSLATE_NOOP("Messages", "This lesson has not been downloaded yet."),
    "disk_full": QT_TRANSLATE_NOOP("Messages", "The disk is full. Free some space and try again; nothing "
                                   "already downloaded was lost."),
    "not_a_package": QT_TRANSLATE_NOOP("Messages", "This folder does not contain a course package."),
    "course_incomplete": QT_TRANSLATE_NOOP("Messages", "The course is not fully downloaded yet, so it cannot "
                                           "be exported."),
    "no_publisher_keys": QT_TRANSLATE_NOOP("Messages", "The site file pins no publisher keys, so no course "
                                           "can be trusted. Ask your administrator."),
    # playback (player/errors.py, client/player_bridge.py)
    "file_missing": QT_TRANSLATE_NOOP("Messages", "The lesson's video file is missing. Download it again."),
    "media_corrupt": QT_TRANSLATE_NOOP("Messages", "The lesson's video file is damaged and cannot be played. "
                                       "Download it again."),
    "vlc_unavailable": QT_TRANSLATE_NOOP("Messages", "The video player (VLC) is not installed correctly on "
                                         "this PC. Ask your administrator."),
    "playback_failed": QT_TRANSLATE_NOOP("Messages", "The video could not be played."),
    "bad_policy": QT_TRANSLATE_NOOP("Messages", "The course's study rules are not valid. Ask your "
                                    "administrator."),
    # accounts, records and sync (sync/account/auth.py, uploader.py, server ingest reasons)
    "wrong_password": QT_TRANSLATE_NOOP("Messages", "The user name or password is wrong."),
    "account_locked": QT_TRANSLATE_NOOP("Messages", "This account is locked after too many wrong passwords. "
                                        "Ask your administrator to unlock it."),
    "account_deactivated": QT_TRANSLATE_NOOP("Messages", "This account has been deactivated. Ask your "
                                             "administrator."),
    "unsent_records": QT_TRANSLATE_NOOP("Messages", "Some of this person's study progress has not reached the "
                                        "server yet, so their data on this PC was kept."),
    "token_expired": QT_TRANSLATE_NOOP("Messages", "Your sign-in has expired. Please sign in again."),
    "too_many_attempts": QT_TRANSLATE_NOOP("Messages", "Too many failed sign-ins for this name or from this PC. "
                                           "Wait a few minutes, then try again."),
    "token_reused": QT_TRANSLATE_NOOP("Messages", "Your sign-in was used from somewhere else, so the server "
                                      "ended it for safety. Please sign in again."),
    "too_many_devices": QT_TRANSLATE_NOOP("Messages", "You already use the most PCs one person may have. "
                                          "Ask your administrator."),
    "no_user": QT_TRANSLATE_NOOP("Messages", "Say who is signing in (--user)."),
    "no_terminal": QT_TRANSLATE_NOOP("Messages", "There is no terminal to type the password on. Give it on "
                                     "standard input with --password-stdin."),
    "secret_unreadable": QT_TRANSLATE_NOOP("Messages", "Your saved sign-in on this PC cannot be opened. "
                                           "Sign in again while online."),
    "device_taken": QT_TRANSLATE_NOOP("Messages", "This PC's key belongs to another person on the server."),
    "device_key_mismatch": QT_TRANSLATE_NOOP("Messages", "The server knows this PC with a different key."),
    "unknown_device": QT_TRANSLATE_NOOP("Messages", "The server does not know this PC yet. Sign in online once."),
    "unknown_user": QT_TRANSLATE_NOOP("Messages", "This person has no account on the server."),
    "foreign_record": QT_TRANSLATE_NOOP("Messages", "The record was signed on a PC enrolled to another person."),
    "foreign_user": QT_TRANSLATE_NOOP("Messages", "The record belongs to another person."),
    "id_conflict": QT_TRANSLATE_NOOP("Messages", "A different record with the same id is already on the server."),
    "seq_conflict": QT_TRANSLATE_NOOP("Messages", "The server already has another record in this place."),
    "gap": QT_TRANSLATE_NOOP("Messages", "The server is still missing an earlier study record. "
                             "StudyDesk will send this one again later."),
    "broken_chain": QT_TRANSLATE_NOOP("Messages", "The record does not follow the one before it."),
    "bad_record": QT_TRANSLATE_NOOP("Messages", "The record is malformed."),
    "bad_batch": QT_TRANSLATE_NOOP("Messages", "The server could not read the records sent."),
    "bad_gzip": QT_TRANSLATE_NOOP("Messages", "The records sent were damaged on the way."),
    "bad_response": QT_TRANSLATE_NOOP("Messages", "The server gave an answer StudyDesk does not understand."),
    "no_progress": QT_TRANSLATE_NOOP("Messages", "The server did not answer for the records sent. "
                                     "StudyDesk will try again."),
    "not_records_file": QT_TRANSLATE_NOOP("Messages", "This is not a StudyDesk records file."),
    # certificates (sync/protocol/certificates.py, certificate_scan.py, sync/site/revocations.py)
    "bad_certificate": QT_TRANSLATE_NOOP("Messages", "This is not a StudyDesk certificate text."),
    "bad_revocations": QT_TRANSLATE_NOOP("Messages", "The certificate revocation list is damaged and was not used."),
    "no_certificate": QT_TRANSLATE_NOOP("Messages", "No StudyDesk certificate was found in this file. Choose a "
                                        "clear picture of the QR code, the certificate's PDF, or paste its text."),
    "bad_file": QT_TRANSLATE_NOOP("Messages", "This file is not a picture, PDF or text of a certificate, or it is "
                                  "too large."),
    # requests the server refused as malformed (sync/protocol/json_limits.py, server/limits.py)
    "body_timeout": QT_TRANSLATE_NOOP("Messages", "The connection stalled while sending. StudyDesk will try "
                                      "again."),
    "bad_unicode": QT_TRANSLATE_NOOP("Messages", "The data contains text that is not valid Unicode."),
    "bad_number": QT_TRANSLATE_NOOP("Messages", "The data contains a number that is not valid."),
    "duplicate_key": QT_TRANSLATE_NOOP("Messages", "The data names the same field twice."),
    "too_deep": QT_TRANSLATE_NOOP("Messages", "The data is nested too deeply."),
    "string_too_long": QT_TRANSLATE_NOOP("Messages", "The data contains a text that is far too long."),
    "too_many_values": QT_TRANSLATE_NOOP("Messages", "The data holds far more values than it should."),
    "number_too_long": QT_TRANSLATE_NOOP("Messages", "The data contains a number that is far too long."),
}


def message_for_code(code: str) -> str:
    source = MESSAGES.get(code, MESSAGES["sync_error"])
    return QCoreApplication.translate(_CTX, source)


def describe(error: BaseException) -> str:
    """A translated sentence for a person, for any error an engine raised."""
    if isinstance(error, SyncError):
        return message_for_code(error.code)
    if isinstance(code := getattr(error, "code", None), str) and code in MESSAGES:  # e.g. player.errors
        return message_for_code(code)
    if isinstance(error, OSError):
        return message_for_code("storage")
    return message_for_code("sync_error")


_FULL_WIDTH_ENDS = ("。", "！", "？", "；", "：", "）")


def sentences(*parts: str) -> str:
    """Sentences one after another: a space after an English one, none after a Chinese full stop."""
    out = ""
    for part in (p.strip() for p in parts):
        if not part:
            continue
        if out and not out.endswith(_FULL_WIDTH_ENDS):
            out += " "
        out += part
    return out
