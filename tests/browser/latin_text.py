"""The Chinese-interface gate (issue 10 part 3): every page a browser test loads is scanned
for Latin-script interface text — visible text, the title, placeholders, labels for
assistive technology, button values and select options.

What may stay Latin: brand and format names, units and codes (``ALLOWED`` below), and
anything with a digit, ``@``, ``/``, ``.``, ``-`` or ``_`` in it (usernames, school
codes, e-mail addresses, file names, addresses). Data a person typed in, shown inside
``<code>``, ``<kbd>``, ``<samp>``, ``<pre>`` or an element marked ``translate="no"``, is not
interface text and is skipped too, and so is text marked as another language or script
(``lang="zh-Latn-pinyin"`` for the pinyin of a name, ``lang="en"``). A new allowed word goes into ``ALLOWED`` with a reason."""

import re

# Lower-case words allowed in the interface, each for a reason.
ALLOWED = {
    # file formats and the programs people know them by
    "excel",
    "xlsx",
    "csv",
    "pdf",
    "word",
    "docx",
    "ppt",
    "pptx",
    "png",
    "jpg",
    "svg",
    "zip",
    "txt",
    "powerpoint",
    "jpeg",
    "webp",
    # calendar feeds, second factor, machine access: the standards' own names
    "ical",
    "ics",
    "totp",
    "api",
    "openapi",
    "json",
    "url",
    "http",
    "https",
    "bearer",
    "qr",
    "id",
    # authenticator apps people are told to install for the second factor
    "google",
    "microsoft",
    "authenticator",
    # units
    "km",
    "kb",
    "mb",
    "gb",
}

SCAN = """() => {
  const skip = "script, style, noscript, template, code, kbd, samp, pre, [translate=no]";
  const texts = [document.title];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const parent = node.parentElement;
    if (!parent || parent.closest(skip)) continue;
    const lang = parent.closest("[lang]");
    if (lang && !/^zh(-hans|-cn)?$/i.test(lang.getAttribute("lang"))) continue;
    if (parent.closest("[hidden], [aria-hidden=true]") && !parent.closest("option")) continue;
    const text = node.textContent.trim();
    if (text) texts.push(text);
  }
  for (const el of document.querySelectorAll("[placeholder], [title], [aria-label], img[alt], input[type=submit][value], input[type=button][value]")) {
    if (el.closest(skip)) continue;
    for (const name of ["placeholder", "title", "aria-label", "alt"]) {
      const value = el.getAttribute(name);
      if (value) texts.push(value);
    }
    if (el.matches("input[type=submit], input[type=button]")) texts.push(el.value);
  }
  return texts;
}"""

_TOKEN = re.compile(r"[A-Za-z0-9@._/:+\-]*[A-Za-z]{2,}[A-Za-z0-9@._/:+\-]*")
_CODE_LIKE = re.compile(r"[0-9@._/:+\-]")


def latin_words(texts) -> list[str]:
    """The Latin-script words in ``texts`` that are neither allowed nor code-like."""
    found = []
    for text in texts:
        for token in _TOKEN.findall(text or ""):
            if _CODE_LIKE.search(token):
                continue
            if token.lower() in ALLOWED:
                continue
            found.append(token)
    return found


def scan(page) -> list[str]:
    """The offending words on what ``page`` shows now (empty when it is all Chinese)."""
    return sorted(set(latin_words(page.evaluate(SCAN))))
