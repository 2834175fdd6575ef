"""The site file's optional support contact, and the version the About box shows."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from sync.protocol.errors import FormatError
from sync.site.config import SiteConfig, parse_site

REPO = Path(__file__).resolve().parents[2]


def test_support_contact_is_read_trimmed_and_survives_user_overrides() -> None:
    site = parse_site('[support]\ncontact = "  信息中心 王工 0571-12345678 "\n'.encode())
    assert site.support_contact == "信息中心 王工 0571-12345678"
    assert site.with_user_overrides({"language": "en", "support_contact": "someone else"}).support_contact == \
        "信息中心 王工 0571-12345678"  # a person cannot change whom to call
    assert parse_site(b'[server]\nurl = "https://a.example"\n').support_contact == ""
    assert SiteConfig().support_contact == ""


@pytest.mark.parametrize("value", ["42", "true", '"' + "x" * 501 + '"'])
def test_a_support_contact_that_is_not_short_text_is_refused(value: str) -> None:
    with pytest.raises(FormatError) as e:
        parse_site(f"[support]\ncontact = {value}\n".encode())
    assert e.value.code == "site_invalid" and "support contact" in e.value.detail


def test_the_example_site_file_documents_the_support_contact() -> None:
    text = (REPO / "installer" / "site.example.toml").read_text(encoding="utf-8")
    assert "[support]" in text and "# contact = " in text
    uncommented = text.replace("# contact = ", "contact = ")
    assert parse_site(uncommented.encode()).support_contact.startswith("信息中心")


def test_the_client_version_is_the_projects() -> None:
    from client import __version__

    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert __version__ == project["version"]
