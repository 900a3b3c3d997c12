"""Browser check of the built book: every chapter page loads and works in a real browser.

Run after the book build (``.ci/run`` does):  python tests/site/check_site.py [HTML_DIR]
HTML_DIR defaults to ``$SITE_HTML`` or ``_build/html``. Not a pytest module (pytest only
collects ``test_*.py``): it needs the built site, Chromium at ``/usr/bin/chromium``
(``$CHROMIUM`` overrides) and the ``playwright`` Python client (no browser download).

The pages load MathJax, require.js and the ipywidgets HTML manager from CDNs. Offline, the
MathJax URL is served from a local copy of the ``mathjax`` npm package (``$MATHJAX_DIR``, a
directory holding ``es5/tex-mml-chtml.js``; by default fetched once with ``npm pack`` into
``_build/mathjax``), so "MathJax renders" is really checked. Every other external request
is aborted, and only the console errors reporting that those aborted loads failed are ignored.

Checks per chapter page (each page of ``_toc.yml`` under ``chapters/``):
  - the page loads; no uncaught JavaScript exception; no other console error
  - MathJax has typeset the math (``mjx-container`` elements, no ``mjx-merror``)
  - at least one static figure: an ``<img>`` in a cell output that actually loaded
  - launch buttons: Binder and Colab links to this notebook, and Thebe's "Live Code" button
  - solution dropdowns are collapsed, and open when clicked
  - each ``to_jshtml`` animation's HTML is under 2 MB; on every page with an animation,
    clicking "Play" advances its frame slider
A full-page screenshot of each page goes to ``_build/screenshots/``. Exit status 1, with a
list of the failures, if any check fails.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import subprocess
import sys
import tarfile
import threading
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
MATHJAX_URL = "https://cdn.jsdelivr.net/npm/mathjax@3/"
MATHJAX_VERSION = "3.2.2"
ANIMATION_LIMIT = 2_000_000  # bytes of HTML per animation
# Errors that come from the book's toolchain itself, not from our pages, each with the
# reason it is harmless. They are printed (never silently dropped); anything else fails.
KNOWN_UPSTREAM = {
    "Identifier 'THEBE_JS_URL' has already been declared":
        "Jupyter Book 1.x adds sphinx-thebe's inline config script twice; the first copy "
        "defines the constants, so the Live Code button still works",
    "Got invalid theme mode: . Resetting to auto.":
        "pydata-sphinx-theme 0.15 on a first visit (empty localStorage) logs this and "
        "falls back to the 'auto' light/dark mode",
}
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def chapter_pages(toc_path: Path) -> list[str]:
    """The files of _toc.yml under chapters/, in order."""
    found: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            f = node.get("file")
            if isinstance(f, str) and f.startswith("chapters/"):
                found.append(re.sub(r"\.(ipynb|md)$", "", f))
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(yaml.safe_load(toc_path.read_text()))
    return found


def mathjax_dir() -> Path:
    """A local copy of the mathjax@3 npm package (the directory holding es5/)."""
    env = os.environ.get("MATHJAX_DIR")
    if env:
        return Path(env)
    dest = ROOT / "_build" / "mathjax"
    pkg = dest / "package"
    if not (pkg / "es5" / "tex-mml-chtml.js").exists():
        dest.mkdir(parents=True, exist_ok=True)
        name = subprocess.run(["npm", "pack", f"mathjax@{MATHJAX_VERSION}", "--silent",
                               "--pack-destination", str(dest)], check=True,
                              capture_output=True, text=True).stdout.strip().splitlines()[-1]
        with tarfile.open(dest / name) as tar:
            tar.extractall(dest, filter="data")
    return pkg


def animation_sizes(html: str) -> list[int]:
    """Approximate HTML size of each to_jshtml animation: from the first to the last mention
    of its id (the frames array sits in between)."""
    sizes = []
    for anim_id in dict.fromkeys(re.findall(r'id="_anim_img([0-9a-f]+)"', html)):
        first = html.find(anim_id)
        last = html.rfind(anim_id)
        sizes.append(last - first + len(anim_id))
    return sizes


KNOWN_SEEN: dict[str, str] = {}


def serve(directory: Path):
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def check_page(browser, base: str, page_name: str, html_dir: Path, mj: Path,
               shots: Path) -> tuple[list[str], bool]:
    """Run every check on one page; returns (failures, played_an_animation)."""
    failures: list[str] = []
    html_file = html_dir / f"{page_name}.html"
    if not html_file.exists():
        return [f"{page_name}: {html_file} does not exist (not built?)"], False
    html = html_file.read_text(encoding="utf-8")
    for i, size in enumerate(animation_sizes(html)):
        if size >= ANIMATION_LIMIT:
            failures.append(f"{page_name}: animation {i + 1} is {size / 1e6:.2f} MB of HTML "
                            f"(limit {ANIMATION_LIMIT / 1e6:.0f} MB)")

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    aborted: set[str] = set()

    def route(r):
        url = r.request.url
        if url.startswith(MATHJAX_URL):
            local = mj / url[len(MATHJAX_URL):].split("?")[0]
            if local.is_file():
                r.fulfill(path=str(local))
                return
        if url.startswith(base):
            r.continue_()
            return
        aborted.add(url)
        r.abort()

    page.route("**/*", route)
    errors: list[str] = []

    def known(text: str) -> bool:
        for pattern, reason in KNOWN_UPSTREAM.items():
            if pattern in text:
                KNOWN_SEEN.setdefault(pattern, reason)
                return True
        return False

    def on_pageerror(exc):
        if not known(str(exc)):
            errors.append(f"uncaught exception: {exc}")

    def on_console(msg):
        if msg.type != "error" or known(msg.text):
            return
        url = (msg.location or {}).get("url", "")
        if msg.text.startswith("Failed to load resource") and url in aborted:
            return  # an external load we aborted on purpose
        errors.append(f"console error: {msg.text} ({url})")

    page.on("pageerror", on_pageerror)

    page.on("console", on_console)
    url = f"{base}{page_name}.html"
    try:
        response = page.goto(url, wait_until="load", timeout=60_000)
        if response is None or not response.ok:
            failures.append(f"{page_name}: could not load {url}")
            return failures, False
        # MathJax: wait for the first typesetting pass to finish.
        page.wait_for_function("window.MathJax && MathJax.startup && MathJax.startup.promise",
                               timeout=30_000)
        page.evaluate("MathJax.startup.promise")
        n_math = page.locator("mjx-container").count()
        n_source = page.locator("span.math, div.math").count()
        if n_source and not n_math:
            failures.append(f"{page_name}: MathJax did not render ({n_source} math elements, "
                            f"no mjx-container)")
        n_err = page.locator("mjx-merror").count()
        if n_err:
            bad = page.locator("mjx-merror").first.get_attribute("data-mjx-error")
            failures.append(f"{page_name}: {n_err} math expression(s) with TeX errors ({bad})")

        # Static figures: an image in a cell output that loaded.
        loaded = page.evaluate("""() => Array.from(document.querySelectorAll(
              '.cell_output img')).filter(im => im.complete && im.naturalWidth > 0).length""")
        broken = page.evaluate("""() => Array.from(document.querySelectorAll('img'))
              .filter(im => im.complete && im.naturalWidth === 0 && im.src.startsWith(
              location.origin) && !im.id.startsWith('_anim_img')).map(im => im.src)""")
        if not loaded:
            failures.append(f"{page_name}: no static figure (<img> in a cell output) loaded")
        for src in broken:
            failures.append(f"{page_name}: broken image {src}")

        # Launch buttons.
        nb = page_name + ".ipynb"
        hrefs = page.eval_on_selector_all(".dropdown-launch-buttons a",
                                          "els => els.map(e => e.href)")
        if not any("mybinder.org" in h and h.endswith(nb) for h in hrefs):
            failures.append(f"{page_name}: no Binder launch link to {nb} (found {hrefs})")
        if not any("colab.research.google.com" in h and h.endswith(nb) for h in hrefs):
            failures.append(f"{page_name}: no Colab launch link to {nb} (found {hrefs})")
        if not page.locator(".dropdown-launch-buttons .btn-launch-thebe").count():
            failures.append(f"{page_name}: no Thebe 'Live Code' launch button")

        # Solution dropdowns: collapsed, and open on click.
        sols = page.locator("div.solution.dropdown")
        n_sol = sols.count()
        if not n_sol:
            failures.append(f"{page_name}: no solution dropdowns")
        for i in range(n_sol):
            sol = sols.nth(i)
            body = sol.locator("section#solution-content, .admonition-title ~ *").first
            if body.is_visible():
                failures.append(f"{page_name}: solution {i + 1} is not collapsed")
                continue
            sol.locator(".admonition-title").first.click()
            try:
                body.wait_for(state="visible", timeout=3_000)
            except Exception:
                failures.append(f"{page_name}: solution {i + 1} does not open when clicked")

        # Animations: Play advances the slider.
        played = False
        anims = page.locator("div.animation")
        if anims.count():
            anim = anims.first
            anim.scroll_into_view_if_needed()
            slider = anim.locator("input.anim-slider")
            before = slider.input_value()
            anim.locator("button[title='Play']").click()
            page.wait_for_timeout(1_500)
            after = slider.input_value()
            anim.locator("button[title='Pause']").click()
            if after == before:
                failures.append(f"{page_name}: clicking Play did not advance the animation "
                                f"(slider stayed at {before})")
            else:
                played = True

        print(f"     {page_name}: {n_math} typeset formulas, {loaded} figures, {n_sol} solutions, "
              f"{anims.count()} animations" + (" (Play advances)" if played else ""))
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / f"{Path(page_name).name}.png"), full_page=True)
    except Exception as exc:  # a timeout or a crash of the page: report, go on
        failures.append(f"{page_name}: {type(exc).__name__}: {str(exc).splitlines()[0]}")
        played = False
    finally:
        failures += [f"{page_name}: {e}" for e in errors]
        context.close()
    return failures, played


def main(argv: list[str]) -> int:
    from playwright.sync_api import sync_playwright

    html_dir = Path(argv[1] if len(argv) > 1 else os.environ.get("SITE_HTML",
                                                                 ROOT / "_build" / "html"))
    shots = Path(os.environ.get("SITE_SCREENSHOTS", html_dir.parent / "screenshots"))
    if not (html_dir / "index.html").exists() and not (html_dir / "intro.html").exists():
        print(f"check_site: no built book in {html_dir} (run jupyter-book build . first)")
        return 1
    pages = chapter_pages(ROOT / "_toc.yml")
    if not pages:
        print("check_site: _toc.yml lists no pages under chapters/")
        return 1
    mj = mathjax_dir()
    server = serve(html_dir)
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    failures: list[str] = []
    any_played = False
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
                args=CHROMIUM_ARGS)
            try:
                for name in pages:
                    fails, played = check_page(browser, base, name, html_dir, mj, shots)
                    any_played |= played
                    print(("FAIL " if fails else "ok   ") + name)
                    failures += fails
            finally:
                browser.close()
    finally:
        server.shutdown()
    for pattern, reason in KNOWN_SEEN.items():
        print(f"check_site: ignored a known toolchain error {pattern!r}: {reason}")
    if not any_played:
        failures.append("no page has a to_jshtml animation whose Play button advanced it")
    if failures:
        print(f"\ncheck_site: {len(failures)} failure(s):")
        for f in failures:
            print("  - " + f)
        return 1
    print(f"check_site: {len(pages)} chapter pages passed; screenshots in {shots}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
