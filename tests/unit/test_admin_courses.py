"""Publishing a course uploaded as a zip (server/admin/courses.py): what changed from the version
before, a zip that would write outside its folder refused, and taking a course off line."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from server.admin import courses
from server.config import ServerConfig
from sync.protocol.catalog import Catalog
from sync.protocol.errors import FormatError
from tests.support.courses import course_zip


def _changes(found: list[courses.Change]) -> set[tuple[str, str, str]]:
    return {(c.kind, c.what, c.name) for c in found}


def test_a_new_version_lists_what_changed_and_an_unchanged_one_publishes_nothing(tmp_path: Path) -> None:
    config = ServerConfig(tmp_path / "site").ensure()
    first, changed = courses.publish_zip(config, course_zip(tmp_path, "law", {"1": b"one" * 50, "2": b"two" * 50}))
    assert first.manifest.version == 1
    assert _changes(changed) == {("added", "lesson", "第1讲"), ("added", "lesson", "第2讲")}
    again, changed = courses.publish_zip(config, course_zip(tmp_path, "law", {"1": b"one" * 50, "2": b"two" * 50}))
    assert again.unchanged and changed == []
    revised = course_zip(tmp_path, "law", {"1": b"one, again" * 50, "3": b"three" * 50}, title="依法行政专题（修订）")
    second, changed = courses.publish_zip(config, revised)
    assert second.manifest.version == 2
    assert _changes(changed) == {("changed", "lesson", "第1讲"), ("added", "lesson", "第3讲"),
                                 ("removed", "lesson", "第2讲"), ("setting", "title", "依法行政专题（修订）")}


@pytest.mark.parametrize("member", ["../outside.txt", "/etc/passwd-copy", "a/../../outside.txt", "a\\..\\x"])
def test_a_zip_that_would_write_outside_its_folder_is_refused(tmp_path: Path, member: str) -> None:
    config = ServerConfig(tmp_path / "site").ensure()
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("course.toml", 'id = "x"\n')
        z.writestr(member, "x")
    with pytest.raises(FormatError) as refused:
        courses.publish_zip(config, archive)
    assert refused.value.code == "bad_zip"
    assert not (tmp_path / "outside.txt").exists() and not (config.data_dir / "outside.txt").exists()
    not_a_zip = tmp_path / "not.zip"
    not_a_zip.write_bytes(b"PK but not really")
    with pytest.raises(FormatError):
        courses.publish_zip(config, not_a_zip)


def test_taking_a_course_off_line_removes_it_from_the_signed_catalog_only(tmp_path: Path) -> None:
    config = ServerConfig(tmp_path / "site").ensure()
    courses.publish_zip(config, course_zip(tmp_path, "law", {"1": b"one" * 50}))
    courses.publish_zip(config, course_zip(tmp_path, "ethics", {"1": b"uno" * 50}))
    assert courses.take_off_line(config, "law")
    assert not courses.take_off_line(config, "law")
    catalog = Catalog.parse((config.repo_dir / "catalog.json").read_bytes())
    assert [c.id for c in catalog.courses] == ["ethics"] and catalog.signature
    assert (config.repo_dir / "manifests" / "law" / "1.json").is_file()  # what was downloaded still verifies
