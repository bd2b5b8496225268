"""How long an SMS is: which alphabet a text needs and how to make it fit a number of segments.

A text made only of GSM 03.38 characters goes out in the 7-bit alphabet (160 characters in one
segment, 153 in each of several, the extension characters taking two places); one other character
(any Bangla letter) sends the whole text as UCS-2: 70 UTF-16 units alone, 67 in each of several.
"""

from itertools import takewhile

GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = frozenset("^{}\\[~]|€\f")

# What a cut text ends with: "…" is not in the GSM alphabet and would turn a GSM text into UCS-2.
GSM_ELLIPSIS = "..."
UCS2_ELLIPSIS = "…"


def is_gsm(text: str) -> bool:
    """True when every character of ``text`` is in the GSM 7-bit alphabet (basic set or extension)."""
    return all(ch in GSM_BASIC or ch in GSM_EXTENSION for ch in text)


def sms_units(text: str) -> int:
    """How many places ``text`` takes in the alphabet it needs: GSM septets or UTF-16 code units."""
    if is_gsm(text):
        return sum(2 if ch in GSM_EXTENSION else 1 for ch in text)
    return len(text.encode("utf-16-le")) // 2


def sms_limit(text: str, segments: int = 2) -> int:
    """How many places ``segments`` segments hold for a text in the alphabet ``text`` needs."""
    gsm = is_gsm(text)
    if segments == 1:
        return 160 if gsm else 70
    return segments * (153 if gsm else 67)


def sms_excess(text: str, segments: int = 2) -> int:
    """How many places ``text`` takes beyond ``segments`` segments (0 when it fits)."""
    return max(sms_units(text) - sms_limit(text, segments), 0)


def sms_truncate(text: str, units: int) -> str:
    """``text`` cut to at most ``units`` places, ending with an ellipsis in its own alphabet; empty
    when not even the ellipsis and one character fit."""
    if sms_units(text) <= units:
        return text
    return _cut(text, units, gsm=is_gsm(text))


def sms_fit(text: str, segments: int = 2) -> str:
    """``text`` unchanged when it fits ``segments`` segments, else its beginning with an ellipsis.

    A text whose first non-GSM character lies beyond what a GSM cut keeps is cut in GSM, which keeps
    more than twice as much as UCS-2."""
    if not sms_excess(text, segments):
        return text
    prefix = "".join(takewhile(lambda ch: ch in GSM_BASIC or ch in GSM_EXTENSION, text))
    gsm_room = sms_limit(GSM_ELLIPSIS, segments)
    if sms_units(prefix) + len(GSM_ELLIPSIS) > gsm_room:
        return _cut(prefix, gsm_room, gsm=True)
    return _cut(text, sms_limit(UCS2_ELLIPSIS, segments), gsm=False)


def _cut(text: str, units: int, *, gsm: bool) -> str:
    ellipsis = GSM_ELLIPSIS if gsm else UCS2_ELLIPSIS
    room = units - len(ellipsis)
    kept, used = [], 0
    for ch in text:
        cost = (2 if ch in GSM_EXTENSION else 1) if gsm else len(ch.encode("utf-16-le")) // 2
        if used + cost > room:
            break
        kept.append(ch)
        used += cost
    head = "".join(kept).rstrip()
    return head + ellipsis if head else ""
