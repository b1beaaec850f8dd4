"""Entity parsing for ``parse_mode``: HTML, MarkdownV2 and legacy Markdown.

Telegram strips the markup, measures the remaining text, and returns it together with a
list of ``MessageEntity`` objects whose offsets and lengths count UTF-16 code units. This
module does the same for the subset of the syntax a bot realistically sends, and rejects
markup that Telegram rejects (unknown or unbalanced HTML tags, unescaped reserved
characters in MarkdownV2) with Telegram's ``can't parse entities`` error.
"""

from __future__ import annotations

import html
import re
from typing import Any

__all__ = ["EntityParseError", "parse_text", "utf16_len"]

_PREFIX = "Bad Request: can't parse entities: "


class EntityParseError(ValueError):
    """The markup is invalid; ``str(error)`` is Telegram's description."""


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit of entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def parse_text(text: str, parse_mode: str | None) -> tuple[str, list[dict[str, Any]]]:
    """Return ``(plain_text, entities)`` for ``text`` sent with ``parse_mode``."""
    mode = (parse_mode or "").lower()
    if not mode:
        return text, []
    if mode == "html":
        return _parse_html(text)
    if mode == "markdownv2":
        return _MarkdownV2(text).parse()
    if mode == "markdown":
        return _parse_legacy_markdown(text)
    raise EntityParseError(f"Bad Request: unsupported parse_mode {parse_mode!r}")


# --------------------------------------------------------------------------- HTML

_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s[^<>]*)?)>")
_ATTR_RE = re.compile(r"""([a-zA-Z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
_CHARREF_RE = re.compile(r"&(lt|gt|amp|quot|#[0-9]+|#[xX][0-9a-fA-F]+);")


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    out: list[str] = []
    offset = 0  # UTF-16 offset of the plain text produced so far
    stack: list[tuple[str, int, dict[str, str]]] = []
    entities: list[dict[str, Any]] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "<":
            match = _TAG_RE.match(text, i)
            if match is None:
                raise EntityParseError(
                    f"{_PREFIX}Unsupported start tag at byte offset {_byte_offset(text, i)}"
                )
            closing, name, raw_attrs = match.group(1), match.group(2).lower(), match.group(3)
            if name not in _HTML_TAGS:
                kind = "end" if closing else "start"
                raise EntityParseError(
                    f'{_PREFIX}Unsupported {kind} tag "{name}" at byte offset '
                    f"{_byte_offset(text, i)}"
                )
            if closing:
                if not stack or stack[-1][0] != name:
                    raise EntityParseError(
                        f"{_PREFIX}Unmatched end tag at byte offset {_byte_offset(text, i)}, "
                        f'expected "</{stack[-1][0] if stack else ""}>", found "</{name}>"'
                    )
                tag, start, attrs = stack.pop()
                entity = _html_entity(tag, attrs, start, offset - start, stack)
                if entity is not None:
                    entities.append(entity)
            else:
                attrs = {
                    m.group(1).lower(): html.unescape(m.group(2) or m.group(3) or m.group(4) or "")
                    for m in _ATTR_RE.finditer(raw_attrs)
                }
                stack.append((name, offset, attrs))
            i = match.end()
            continue
        if ch == "&":
            ref = _CHARREF_RE.match(text, i)
            if ref is not None:
                decoded = html.unescape(ref.group(0))
                out.append(decoded)
                offset += utf16_len(decoded)
                i = ref.end()
                continue
        out.append(ch)
        offset += utf16_len(ch)
        i += 1
    if stack:
        raise EntityParseError(
            f'{_PREFIX}Can\'t find end tag corresponding to start tag "{stack[-1][0]}"'
        )
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _html_entity(
    tag: str,
    attrs: dict[str, str],
    start: int,
    length: int,
    outer: list[tuple[str, int, dict[str, str]]],
) -> dict[str, Any] | None:
    if length <= 0:
        return None
    kind = _HTML_TAGS[tag]
    entity: dict[str, Any] = {"type": kind, "offset": start, "length": length}
    if tag == "span" and attrs.get("class") != "tg-spoiler":
        raise EntityParseError(f'{_PREFIX}Tag "span" must have class "tg-spoiler"')
    if tag == "a":
        url = attrs.get("href", "")
        if not url:
            return None
        entity["url"] = url
    elif tag == "blockquote" and "expandable" in attrs:
        entity["type"] = "expandable_blockquote"
    elif tag == "tg-emoji":
        entity["custom_emoji_id"] = attrs.get("emoji-id", "")
    elif tag == "code" and outer and outer[-1][0] == "pre":
        language = attrs.get("class", "")
        if language.startswith("language-"):
            # Telegram folds <pre><code class="language-x"> into one pre entity.
            return {"type": "pre", "offset": start, "length": length, "language": language[9:]}
    return entity


# ---------------------------------------------------------------------- MarkdownV2

_RESERVED = set("_*[]()~`>#+-=|{}.!")


class _MarkdownV2:
    """A small MarkdownV2 parser following the rules in the Bot API documentation."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.out: list[str] = []
        self.offset = 0
        self.entities: list[dict[str, Any]] = []
        self.stack: list[tuple[str, int, int]] = []  # (marker, utf16 start, source index)

    def _emit(self, chunk: str) -> None:
        self.out.append(chunk)
        self.offset += utf16_len(chunk)

    def _error(self, message: str) -> EntityParseError:
        return EntityParseError(_PREFIX + message)

    def _toggle(self, marker: str, kind: str, i: int) -> None:
        if self.stack and self.stack[-1][0] == marker:
            _, start, _src = self.stack.pop()
            if self.offset > start:
                self.entities.append({"type": kind, "offset": start, "length": self.offset - start})
        elif any(m == marker for m, _, _ in self.stack):
            raise self._error(f"Can't find end of {kind} entity at byte offset {i}")
        else:
            self.stack.append((marker, self.offset, i))

    def _read_until(self, i: int, end: str, *, escapable: str) -> tuple[str, int]:
        """Read raw text from ``i`` up to the unescaped ``end``; return (text, index after)."""
        text = self.text
        chunk: list[str] = []
        while i < len(text):
            if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in escapable:
                chunk.append(text[i + 1])
                i += 2
                continue
            if text.startswith(end, i):
                return "".join(chunk), i + len(end)
            chunk.append(text[i])
            i += 1
        raise self._error(f"Can't find end of the entity starting at byte offset {i}")

    def parse(self) -> tuple[str, list[dict[str, Any]]]:
        text = self.text
        i = 0
        while i < len(text):
            ch = text[i]
            at_line_start = i == 0 or text[i - 1] == "\n"
            if ch == "\\":
                if i + 1 < len(text) and 0 < ord(text[i + 1]) < 127:
                    self._emit(text[i + 1])
                    i += 2
                    continue
                raise self._error(f"Character '\\' is reserved and must be escaped at byte {i}")
            if text.startswith("```", i):
                body, i = self._read_until(i + 3, "```", escapable="`\\")
                language = ""
                if "\n" in body:
                    first, rest = body.split("\n", 1)
                    if first and " " not in first:
                        language, body = first, rest
                start = self.offset
                self._emit(body)
                entity: dict[str, Any] = {
                    "type": "pre",
                    "offset": start,
                    "length": self.offset - start,
                }
                if language:
                    entity["language"] = language
                self.entities.append(entity)
                continue
            if ch == "`":
                body, i = self._read_until(i + 1, "`", escapable="`\\")
                start = self.offset
                self._emit(body)
                self.entities.append(
                    {"type": "code", "offset": start, "length": self.offset - start}
                )
                continue
            if text.startswith("||", i):
                self._toggle("||", "spoiler", i)
                i += 2
                continue
            if text.startswith("__", i):
                self._toggle("__", "underline", i)
                i += 2
                continue
            if ch in "*_~":
                kind = {"*": "bold", "_": "italic", "~": "strikethrough"}[ch]
                self._toggle(ch, kind, i)
                i += 1
                continue
            if ch == "[":
                self.stack.append(("[", self.offset, i))
                i += 1
                continue
            if ch == "]" and self.stack and self.stack[-1][0] == "[":
                _, start, _src = self.stack.pop()
                if not text.startswith("(", i + 1):
                    raise self._error(f"Character ']' is reserved and must be escaped at byte {i}")
                url, i = self._read_until(i + 2, ")", escapable=")\\")
                if self.offset > start:
                    self.entities.append(
                        {
                            "type": "text_link",
                            "offset": start,
                            "length": self.offset - start,
                            "url": url,
                        }
                    )
                continue
            if ch == ">" and at_line_start:
                line_end = text.find("\n", i)
                line_end = len(text) if line_end < 0 else line_end
                start = self.offset
                inner_text, inner_entities = _MarkdownV2(text[i + 1 : line_end]).parse()
                for inner in inner_entities:
                    inner["offset"] += start
                self._emit(inner_text)
                self.entities.extend(inner_entities)
                if self.offset > start:
                    self.entities.append(
                        {"type": "blockquote", "offset": start, "length": self.offset - start}
                    )
                i = line_end
                continue
            if ch in _RESERVED:
                raise self._error(
                    f"Character '{ch}' is reserved and must be escaped with the preceding '\\'"
                )
            self._emit(ch)
            i += 1
        if self.stack:
            _marker, _, src = self.stack[-1]
            raise self._error(f"Can't find end of the entity starting at byte offset {src}")
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.out), self.entities


def _parse_legacy_markdown(text: str) -> tuple[str, list[dict[str, Any]]]:
    out: list[str] = []
    offset = 0
    entities: list[dict[str, Any]] = []
    i = 0
    kinds = {"*": "bold", "_": "italic", "`": "code"}
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in "*_`[":
            out.append(text[i + 1])
            offset += 1
            i += 2
            continue
        if ch in kinds or text.startswith("```", i):
            marker = "```" if text.startswith("```", i) else ch
            end = text.find(marker, i + len(marker))
            if end < 0:
                raise EntityParseError(
                    f"{_PREFIX}Can't find end of the entity starting at byte offset "
                    f"{_byte_offset(text, i)}"
                )
            body = text[i + len(marker) : end]
            length = utf16_len(body)
            if length:
                kind = "pre" if marker == "```" else kinds[marker]
                entities.append({"type": kind, "offset": offset, "length": length})
            out.append(body)
            offset += length
            i = end + len(marker)
            continue
        if ch == "[":
            close = text.find("](", i)
            end = text.find(")", close + 2) if close >= 0 else -1
            if close >= 0 and end >= 0:
                label = text[i + 1 : close]
                length = utf16_len(label)
                if length:
                    entities.append(
                        {
                            "type": "text_link",
                            "offset": offset,
                            "length": length,
                            "url": text[close + 2 : end],
                        }
                    )
                out.append(label)
                offset += length
                i = end + 1
                continue
        out.append(ch)
        offset += utf16_len(ch)
        i += 1
    return "".join(out), entities
