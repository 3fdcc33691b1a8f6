"""Walk a parsed MIME tree: text and HTML bodies, attachments, inline images, forwards, uuencode."""

from __future__ import annotations

import binascii
import mimetypes
import re
from dataclasses import dataclass, field
from email import message_from_string
from email import policy as email_policy
from email.message import Message

from channels.email.decoding import _decode_words, decode_text, header_text

_UU_BEGIN = re.compile(r"^begin [0-7]{3,4} (.{1,255})$")
_BOUNDARY_LINE = re.compile(r"^--([^\s\"]{1,200})\s*$")


class StructureError(ValueError):
    """The MIME tree exceeds a structural limit (depth or number of parts)."""


@dataclass
class ExtractedFile:
    """An attachment found in the tree, before limits are applied."""

    filename: str
    content_type: str
    content: bytes
    inline: bool = False
    content_id: str | None = None


@dataclass
class Extracted:
    """Everything the body walk found."""

    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    files: list[ExtractedFile] = field(default_factory=list)
    forwarded: list[str] = field(default_factory=list)


def check_structure(message: Message, max_depth: int, max_parts: int) -> None:
    """Raise StructureError when the tree is deeper or wider than allowed."""
    count = 0
    stack: list[tuple[Message, int]] = [(message, 0)]
    while stack:
        part, depth = stack.pop()
        count += 1
        if depth > max_depth:
            raise StructureError(f"too deeply nested: more than {max_depth} levels")
        if count > max_parts:
            raise StructureError(f"too many MIME parts: more than {max_parts}")
        payload = part.get_payload()
        if isinstance(payload, list):
            stack.extend((child, depth + 1) for child in payload if isinstance(child, Message))


def part_bytes(part: Message) -> bytes:
    """The decoded payload of a leaf part; undecodable transfer encodings yield the raw bytes."""
    try:
        data = part.get_payload(decode=True)
    except Exception:  # broken base64/qp that even the lenient decoder rejects
        data = None
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    return raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""


def part_text(part: Message) -> str:
    """A text part decoded with charset fallbacks (never get_content(), which can raise)."""
    try:
        charset = part.get_content_charset()
    except Exception:  # malformed charset parameter
        charset = None
    return decode_text(part_bytes(part), charset)


def _filename(part: Message, index: int) -> str:
    try:
        name = part.get_filename() or part.get_param("name") or ""
    except Exception:  # malformed RFC 2231 parameters
        name = ""
    name = str(name)
    if "=?" in name:
        name = _decode_words(name)
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip().strip("\x00")
    if not name:
        extension = mimetypes.guess_extension(part.get_content_type()) or ".bin"
        name = f"attachment-{index}{extension}"
    return name[:255]


def _is_attachment(part: Message) -> bool:
    disposition = (part.get_content_disposition() or "").lower()
    if disposition == "attachment":
        return True
    try:
        named = bool(part.get_filename())
    except Exception:  # malformed parameters: treat as unnamed
        named = False
    # An invalid Content-Type ("BINARY") reads as text/plain; a named one is still a file.
    declared = str(part.get("Content-Type", "")).split(";", 1)[0].strip()
    return named and (part.get_content_maintype() != "text" or "/" not in declared)


def extract(message: Message) -> Extracted:
    """Collect bodies and files of the top-level message (forwards become files and text)."""
    found = Extracted()
    _visit(message, found, in_related=False)
    for index, text in enumerate(found.plain):
        found.plain[index] = _take_uuencoded(text, found)
    return found


def _visit(part: Message, found: Extracted, in_related: bool) -> None:
    content_type = part.get_content_type()
    if content_type == "message/rfc822" or content_type == "message/global":
        _visit_forward(part, found)
        return
    if part.is_multipart():
        related = in_related or content_type == "multipart/related"
        children = part.get_payload()
        if content_type == "multipart/alternative":
            children = _best_alternatives(children)
        for child in children if isinstance(children, list) else []:
            if isinstance(child, Message):
                _visit(child, found, related)
        return
    if part.get_content_maintype() == "multipart":
        _visit_broken_multipart(part, found, in_related)
        return
    _visit_leaf(part, found, in_related)


def _visit_broken_multipart(part: Message, found: Extracted, in_related: bool) -> None:
    """A multipart whose declared boundary never occurs (spam, broken gateways).

    Re-read it with the boundary its body actually uses; with none, its text is the body.
    """
    salvaged = _with_found_boundary(part)
    if salvaged is not None:
        _visit(salvaged, found, in_related)
        return
    text = part_text(part)
    if text.strip():
        found.plain.append(text)


def _with_found_boundary(part: Message) -> Message | None:
    payload = part.get_payload()
    if not isinstance(payload, str):
        return None
    lines = payload.splitlines()
    for index, line in enumerate(lines[:200]):
        match = _BOUNDARY_LINE.match(line)
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if match and following.lower().startswith("content-"):
            head = f'Content-Type: multipart/mixed; boundary="{match.group(1)}"\n\n'
            salvaged = message_from_string(head + payload, policy=email_policy.compat32)
            return salvaged if salvaged.is_multipart() else None
    return None


def _best_alternatives(children: object) -> list[Message]:
    """Keep one text/plain and one text/html (plus anything else) from an alternative group."""
    if not isinstance(children, list):
        return []
    kept: list[Message] = []
    seen: set[str] = set()
    for child in children:
        if not isinstance(child, Message):
            continue
        kind = child.get_content_type()
        if kind in seen and kind in ("text/plain", "text/html"):
            continue
        seen.add(kind)
        kept.append(child)
    return kept


def _visit_leaf(part: Message, found: Extracted, in_related: bool) -> None:
    content_type = part.get_content_type()
    cte = header_text(part, "Content-Transfer-Encoding").lower()
    if not _is_attachment(part) and cte not in ("x-uuencode", "uuencode"):
        if content_type == "text/plain" or part.get_content_maintype() == "":
            found.plain.append(part_text(part))
            return
        if content_type == "text/html":
            found.html.append(part_text(part))
            return
    content_id = header_text(part, "Content-ID").strip().strip("<>") or None
    inline = bool(content_id) and (
        in_related or (part.get_content_disposition() or "").lower() == "inline"
    )
    data = _uudecode_part(part) if cte in ("x-uuencode", "uuencode") else part_bytes(part)
    name = _filename(part, len(found.files) + 1)
    found.files.append(ExtractedFile(name, content_type, data, inline, content_id))


def _visit_forward(part: Message, found: Extracted) -> None:
    """A forwarded mail: kept as a .eml file, its text appended for the agent to read."""
    payload = part.get_payload()
    inner = payload[0] if isinstance(payload, list) and payload else None
    if not isinstance(inner, Message):
        return
    raw = inner.as_bytes() if hasattr(inner, "as_bytes") else b""
    subject = header_text(inner, "Subject") or "forwarded message"
    safe = re.sub(r"[^\w .-]", "_", subject)[:80].strip() or "forwarded"
    found.files.append(ExtractedFile(f"{safe}.eml", "message/rfc822", raw))
    nested = Extracted()
    _visit(inner, nested, in_related=False)
    # The forward's own files are listed too: agents open a PDF, not an .eml. Their
    # Content-IDs point into the forward's HTML, which we do not render, so not inline.
    for file in nested.files:
        file.inline = False
    found.files.extend(nested.files)
    found.forwarded.extend(nested.forwarded)
    body = "\n".join(nested.plain).strip()
    if not body and nested.html:
        from channels.email.html import html_to_text

        body = html_to_text("\n".join(nested.html))
    header = f"From: {header_text(inner, 'From')}\nSubject: {subject}"
    found.forwarded.append(f"---------- Forwarded message ----------\n{header}\n\n{body}")


def _uudecode_lines(lines: list[str]) -> bytes:
    out = bytearray()
    for line in lines:
        if not line.strip() or line.strip() == "`":
            continue
        try:
            out += binascii.a2b_uu(line)
        except binascii.Error:
            # Some encoders pad short lines wrongly; decode what the length byte announces.
            count = (ord(line[0]) - 32) & 63
            out += binascii.a2b_uu(line[: ((count + 2) // 3) * 4 + 1])
    return bytes(out)


def _uudecode_part(part: Message) -> bytes:
    lines = part_bytes(part).decode("latin-1").splitlines()
    body = [ln for ln in lines if not ln.startswith(("begin ", "end"))]
    try:
        return _uudecode_lines(body)
    except binascii.Error:
        return part_bytes(part)


def _take_uuencoded(text: str, found: Extracted) -> str:
    """Move `begin 644 name` ... `end` blocks out of a text body into attachments."""
    if "begin " not in text:
        return text
    lines, kept, index = text.splitlines(), [], 0
    while index < len(lines):
        match = _UU_BEGIN.match(lines[index].rstrip())
        end = _find_end(lines, index) if match else None
        if match is None or end is None:
            kept.append(lines[index])
            index += 1
            continue
        try:
            data = _uudecode_lines(lines[index + 1 : end])
        except binascii.Error:
            kept.append(lines[index])
            index += 1
            continue
        name = match.group(1).strip()
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        found.files.append(ExtractedFile(name, kind, data))
        index = end + 1
    return "\n".join(kept)


def _find_end(lines: list[str], start: int) -> int | None:
    for index in range(start + 1, len(lines)):
        if lines[index].rstrip() == "end":
            return index
    return None
