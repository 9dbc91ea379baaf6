"""Residents' contact phones: parsing what they type, and masking what is shown."""

import re
import unicodedata

_SEPARATORS = re.compile(r"[\s\-－—–()（）]")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86)?(1[3-9]\d{9})(?!\d)")


def find_mobile(text: str) -> str | None:
    """The first mainland mobile number in free text (spaces, dashes, +86 allowed)."""
    compact = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text))
    match = _MOBILE.search(compact)
    return match.group(1) if match else None


def is_mobile(value: str) -> bool:
    """Whether a value is exactly one mainland mobile number."""
    compact = _SEPARATORS.sub("", unicodedata.normalize("NFKC", value))
    match = _MOBILE.fullmatch(compact)
    return match is not None


def mask_phone(phone: str | None) -> str | None:
    """138****5678: enough for a resident to recognise, useless to anyone else."""
    if not phone:
        return None
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 8 else "****"


def mask_phones_in(text: str) -> str:
    """Mask every mobile number inside a text, e.g. for logs."""
    normalised = unicodedata.normalize("NFKC", text)
    return re.sub(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)", r"\1****\3", normalised)
