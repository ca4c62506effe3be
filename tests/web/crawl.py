"""Walk the web pages the way a person does: from the dashboard, following every link, as a given user. Shared by
the formatting crawl (Django's test client) and kept free of assertions: the tests decide what a page must not do."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from django.test import Client
from django.urls import Resolver404, resolve

#: Addresses never followed: not pages (the API, static files, metrics), a write behind a GET link (none should be),
#: or a file download (checked for its status only).
NOT_PAGES = re.compile(r"^/(api/|static/|i18n/|metrics|logout/|favicon\.ico)")
DOWNLOAD = re.compile(r"\.(pdf|xlsx|csv|yaml|json|zip|geojson)(\?|$)|/(export|download|report)[./]")


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]


@dataclass
class Page:
    path: str
    status: int
    view_name: str
    html: str = ""
    elements: list[Element] = field(default_factory=list)
    #: (enclosing tags, text) of every piece of text
    texts: list[tuple[tuple[str, ...], str]] = field(default_factory=list)

    def links(self) -> list[str]:
        return [e.attrs["href"] for e in self.elements if e.tag == "a" and e.attrs.get("href")]


class _Reader(HTMLParser):
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.texts: list[tuple[tuple[str, ...], str]] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(Element(tag, {k: v or "" for k, v in attrs}))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if data.strip() and not {"script", "style"} & set(self.stack):
            self.texts.append((tuple(self.stack), data.strip()))


def read(path: str, status: int, html: str) -> Page:
    reader = _Reader()
    reader.feed(html)
    try:
        view_name = resolve(urlsplit(path).path).view_name
    except Resolver404:
        view_name = ""
    return Page(path, status, view_name, html, reader.elements, reader.texts)


def crawl(
    client: Client,
    starts: Iterable[str],
    *,
    per_view: int = 3,
    limit: int = 400,
    on_download: Callable[[str, int], None] | None = None,
) -> list[Page]:
    """Every page reachable from ``starts`` by links, at most ``per_view`` addresses per view (a list of 2,000
    workers is one page of the worker view, not 2,000), at most ``limit`` pages in all."""
    queue = deque(starts)
    seen: set[str] = set()
    per: dict[str, int] = {}
    pages: list[Page] = []
    while queue and len(pages) < limit:
        path = queue.popleft()
        if path in seen or NOT_PAGES.match(path):
            continue
        seen.add(path)
        try:
            view = resolve(urlsplit(path).path).view_name
        except Resolver404:
            view = ""
        if per.get(view, 0) >= per_view:
            continue
        per[view] = per.get(view, 0) + 1
        response = client.get(path)
        kind = response.get("Content-Type", "")
        if DOWNLOAD.search(path) or "text/html" not in kind:
            if on_download:
                on_download(path, response.status_code)
            pages.append(Page(path, response.status_code, view))
            continue
        page = read(path, response.status_code, response.content.decode("utf-8", errors="replace"))
        pages.append(page)
        for href in page.links():
            target = urljoin(path, href)
            parts = urlsplit(target)
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue
            queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return pages
