"""The documentation site builds strictly, and its built pages show the examples and the stylesheet they promise."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# An include in any spelling a page can end up with: `--8<--` as written, or `--8 < --` after a formatter.
INCLUDE_TEXT = re.compile(r"--\s*8\s*<\s*--[^\n]*")

HOWTO_OPERATORS = {
    "video": "HeyGenCreateVideoOperator",
    "video-agent": "HeyGenVideoAgentOperator",
    "translation": "HeyGenTranslateVideoOperator",
    "lipsync": "HeyGenLipsyncOperator",
    "text-to-speech": "HeyGenTextToSpeechOperator",
    "asset-upload": "HeyGenUploadAssetOperator",
    "avatar": "HeyGenCreateAvatarOperator",
    "download": "HeyGenDownloadOperator",
    "sensor": "HeyGenJobSensor",
    "events": "HeyGenEventTrigger",
}

STYLESHEET = "stylesheets/extra.css"


class _Page(HTMLParser):
    """The text of a page (entities decoded, tags dropped), of each of its code blocks, and its stylesheets."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.code_blocks: list[str] = []
        self.stylesheets: list[str] = []
        self._pre_depth = 0
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "pre":
            if self._pre_depth == 0:
                self.code_blocks.append("")
            self._pre_depth += 1
        elif tag == "link" and ("rel", "stylesheet") in attrs:
            self.stylesheets.append(dict(attrs).get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "pre" and self._pre_depth:
            self._pre_depth -= 1

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._pre_depth:
            self.code_blocks[-1] += data


def _css_rules(css: str) -> dict[str, dict[str, str]]:
    """Each selector of a flat stylesheet, with the declarations of its rule."""
    rules: dict[str, dict[str, str]] = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", re.sub(r"/\*.*?\*/", "", css, flags=re.S)):
        declarations = dict(
            (name.strip(), value.strip()) for name, _, value in (d.partition(":") for d in body.split(";")) if value
        )
        for selector in selectors.split(","):
            rules.setdefault(" ".join(selector.split()), {}).update(declarations)
    return rules


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site_dir = tmp_path_factory.mktemp("docs") / "site"
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return site_dir


def _page(site: Path, name: str) -> _Page:
    return _Page((site / name / "index.html").read_text())


def test_docs_build_strictly(site: Path) -> None:
    assert (site / "concepts" / "idempotency" / "index.html").exists()
    operators = (site / "reference" / "operators" / "index.html").read_text()
    assert all(operator in operators for operator in HOWTO_OPERATORS.values())
    building_blocks = (site / "reference" / "building-blocks" / "index.html").read_text()
    assert "HeyGenJobTrigger" in building_blocks and "poll_interval" in building_blocks


def test_built_pages_never_show_an_include_as_text(site: Path) -> None:
    shown = [
        f"{page.relative_to(site)}: {match}"
        for page in sorted(site.rglob("*.html"))
        for match in INCLUDE_TEXT.findall("".join(_Page(page.read_text()).text))
    ]
    assert not shown, "\n".join(shown)


@pytest.mark.parametrize(("howto", "operator"), HOWTO_OPERATORS.items())
def test_howto_page_shows_its_operator_in_a_code_block(site: Path, howto: str, operator: str) -> None:
    code_blocks = _page(site, f"howto/{howto}").code_blocks
    assert any(operator in block for block in code_blocks), (operator, code_blocks)


def test_the_webhooks_page_shows_the_receiver_its_tests_run(site: Path) -> None:
    """The receiver is docs/.snippets/heygen_webhook_receiver.py, run against the fake by
    tests/testing/test_fake_webhook_signatures.py."""
    code_blocks = _page(site, "concepts/webhooks").code_blocks
    assert any("class HeyGenWebhookServer" in block and "verify_delivery(" in block for block in code_blocks)


def test_every_howto_page_is_checked_for_its_example() -> None:
    assert {page.stem for page in (ROOT / "docs" / "howto").glob("*.md")} == set(HOWTO_OPERATORS)


def test_built_pages_link_the_stylesheet_that_keeps_table_names_whole(site: Path) -> None:
    for name in ("", "howto/video", "reference/operators"):
        assert any(href.endswith(STYLESHEET) for href in _page(site, name).stylesheets), name
    rules = _css_rules((site / STYLESHEET).read_text())
    assert rules[".md-typeset td code"] == {"word-break": "normal", "overflow-wrap": "normal"}
    first_column = ".md-typeset .doc-contents tr.doc-section-item > td:first-child code"
    assert rules[first_column]["white-space"] == "nowrap"
    reference = (site / "reference" / "operators" / "index.html").read_text()
    assert 'class="doc-section-item"' in reference and "doc-contents" in reference


def test_the_cost_table_in_the_docs_is_what_the_fake_shows_now(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/.snippets/cost-table.md is scripts/cost_table.py's output: each kind's estimate, reported cost and the
    fake's charge; regenerate it with ``python scripts/cost_table.py --write`` when pricing or the fake change."""
    spec = importlib.util.spec_from_file_location("cost_table", ROOT / "scripts" / "cost_table.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "cost_table", module)  # its dataclasses look their module up
    spec.loader.exec_module(module)
    table = module.build_table()
    assert table == (ROOT / "docs" / ".snippets" / "cost-table.md").read_text()
    rows = [line.split(" | ") for line in table.splitlines()[2:]]
    assert len(rows) == len(module.CASES) and all(row[3] == row[4].rstrip(" |") for row in rows)  # reported == charged
    assert any(row[1].startswith("<= ") for row in rows)  # the ceilings are shown as such
    page = "".join(_Page((site / "concepts" / "credits" / "index.html").read_text()).text)
    assert "charged by the fake" in page and "audio input is at most 600s" in page
