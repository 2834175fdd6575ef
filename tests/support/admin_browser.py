"""The admin web's pages in the browser (Playwright's ``Page``): an admin signs in, and each page is
photographed into ``artifacts/screenshots/admin/`` and checked as every admin page is: nothing wider
than the window, no text cut off in its box, no English left on a zh_CN page."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tests.support.admin_web import ADMIN_PASSWORD, page_tables

if TYPE_CHECKING:
    from playwright.sync_api import Page

SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots" / "admin"

# Text a zh_CN page may show in Latin letters: codes, accounts, the language switch, file kinds.
ALLOWED_LATIN = {"English", "XLSX", "CSV", "PDF", "UTC", "c1", "l1", "law", "short", "zhang", "li", "wang", "zhao",
                 "root", "a-admin", "b-admin", "tested", "reviewer-a", "qian"}

OVERFLOW_CHECK = """() => {
  const bad = [];
  if (document.documentElement.scrollWidth > window.innerWidth + 1) bad.push('page wider than the window');
  for (const el of document.querySelectorAll('h1, h2, th, td, a, button, label, .value, .label, nav a')) {
    if (el.closest('.scroll')) continue;  // a wide table scrolls in its own box
    if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflow !== 'visible')
      bad.push('cut: ' + el.textContent.trim().slice(0, 40));
  }
  return bad;
}"""

ENGLISH_WORDS = r"""() => {
  const words = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    if (walker.currentNode.parentElement.closest('[data-raw]')) continue;  // stored text, shown as written
    // identifiers (a device's UUID) are not words
    const text = walker.currentNode.textContent.replace(/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}/g, '')
      .replace(/[\w-]+\.(toml|zip|json)\b/g, '').replace(/\[[a-z_.]+\]/g, '');  // file names, their sections
    for (const w of text.match(/[A-Za-z][A-Za-z-]{2,}/g) || []) words.push(w);
  }
  return words;
}"""


def sign_in(page: Page, base: str, name: str) -> None:
    page.goto(base + "/admin/")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", ADMIN_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/admin/")


def look(page: Page, name: str, *, narrow: bool = False) -> None:
    """Photograph the page and check it fits, with no English left in zh_CN."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    sizes = [(1366, 768, "")] + ([(1024, 768, "-1024")] if narrow else [])
    for width, height, suffix in sizes:
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(SHOTS / f"admin-{name}{suffix}.png"), full_page=True)
        assert page.evaluate(OVERFLOW_CHECK) == [], f"{name} at {width}x{height}"
    page.set_viewport_size({"width": 1366, "height": 768})
    english = {w for w in page.evaluate(ENGLISH_WORDS) if w not in ALLOWED_LATIN}
    assert not english, f"{name}: English left on a zh_CN page: {sorted(english)}"


def shown_table(page: Page, name: str) -> list[list[str]]:
    """The rows of the page's table ``name`` (``data-table``), once the page has it and is parsed whole.
    A click that submits a form returns when the next page starts loading: its content read at once
    may still be the part received so far."""
    page.wait_for_selector(f"table[data-table='{name}']", state="attached")
    page.wait_for_load_state("domcontentloaded")
    return page_tables(page.content())[name]
