"""An item version's content and the rules it must satisfy.

One validator serves the service API, the file import and the dashboard, so an item that
cannot be created by hand cannot be imported either. Each problem names the field it is about.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from itembank.models import ItemType, Variant

__all__ = ["ItemContent", "LANGUAGES", "parse_decimal", "CONTENT_FIELDS"]

# ISO 639-1 codes of the languages exams are offered in. A bank that needs another language
# adds it here; an unknown code is refused so a typo ("nk") cannot split an item's statistics.
LANGUAGES: dict[str, str] = {
    "nl": "Dutch", "en": "English", "de": "German", "fr": "French", "es": "Spanish",
    "it": "Italian", "pt": "Portuguese", "pl": "Polish", "ro": "Romanian", "bg": "Bulgarian",
    "cs": "Czech", "sk": "Slovak", "hu": "Hungarian", "sl": "Slovenian", "hr": "Croatian",
    "sr": "Serbian", "lt": "Lithuanian", "lv": "Latvian", "et": "Estonian", "fi": "Finnish",
    "sv": "Swedish", "da": "Danish", "no": "Norwegian", "el": "Greek", "tr": "Turkish",
    "ar": "Arabic", "uk": "Ukrainian", "ru": "Russian", "fy": "Frisian", "pap": "Papiamento",
}

# The fields that make up a version's content (compared by diff and the import).
CONTENT_FIELDS = (
    "stem", "options", "key", "item_type", "max_score", "language", "variant",
)


def parse_decimal(value: Any) -> Decimal | None:
    """A finite decimal from a number or text (comma accepted as decimal mark), else None."""
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, bool) or value is None:
        return None
    text = str(value).strip().replace(",", ".")
    try:
        d = Decimal(text)
    except InvalidOperation:
        return None
    return d if d.is_finite() else None


@dataclass(frozen=True)
class ItemContent:
    """What an item version says: stem, options (label, text), key, type, score, language."""

    stem: str
    options: tuple[tuple[str, str], ...] = ()
    key: tuple[str, ...] = ()
    item_type: ItemType = ItemType.MC
    max_score: Decimal = Decimal(1)
    language: str = "nl"
    variant: Variant = Variant.STANDARD
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        # Accept plain values from callers (1, "mc", "A") and store the canonical types.
        score = parse_decimal(self.max_score)
        object.__setattr__(self, "max_score", score if score is not None else Decimal("NaN"))
        object.__setattr__(self, "item_type", ItemType(self.item_type))
        object.__setattr__(self, "variant", Variant(self.variant))
        key = (self.key,) if isinstance(self.key, str) else tuple(self.key)
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "options", tuple((str(a), str(b)) for a, b in self.options))

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(label for label, _ in self.options)

    def with_changes(self, **changes: Any) -> "ItemContent":
        return replace(self, **changes)

    def problems(self) -> list[tuple[str, str]]:
        """Every rule this content breaks, as (field, what was expected)."""
        out: list[tuple[str, str]] = []
        if not self.stem or not self.stem.strip():
            out.append(("stem", "the stem (question text) is empty"))
        closed = self.item_type in (ItemType.MC, ItemType.MR)
        labels = self.labels
        if closed:
            if len(self.options) < 2:
                out.append(("options", f"a {self.item_type.value} item needs at least two options, got {len(self.options)}"))
            if len(set(labels)) != len(labels):
                out.append(("options", f"option labels must be unique, got {', '.join(labels)}"))
            for label, text in self.options:
                if not label.strip():
                    out.append(("options", "an option has an empty label"))
                if not text.strip():
                    out.append(("options", f"option {label} has no text"))
            if not self.key:
                out.append(("key", "a closed item needs a key (the correct option label)"))
            missing = [k for k in self.key if k not in labels]
            if missing:
                out.append(("key", f"key {'|'.join(missing)} is not among the options {'|'.join(labels)}"))
            if self.item_type is ItemType.MC and len(self.key) > 1:
                out.append(("key", f"a single-answer MC item has one key, got {'|'.join(self.key)} (use item type 'mr' for multiple response)"))
            if len(set(self.key)) != len(self.key):
                out.append(("key", "the key names an option twice"))
        elif self.key:
            out.append(("key", f"an {self.item_type.value} item is scored with points and has no option key"))
        if not self.max_score.is_finite() or not (self.max_score > 0):
            out.append(("max_score", f"the maximum score must be a positive number, got {self.max_score}"))
        elif self.max_score != self.max_score.quantize(Decimal("0.001")):
            out.append(("max_score", f"the maximum score may have at most 3 decimals, got {self.max_score}"))
        if self.language not in LANGUAGES:
            out.append(("language", f"unknown language code '{self.language}' (expected an ISO 639-1 code such as nl, en, de)"))
        return out

    def as_columns(self) -> dict[str, Any]:
        """The stored representation (the columns of ``ItemVersion``)."""
        return {
            "stem": self.stem,
            "options": [{"label": label, "text": text} for label, text in self.options],
            "key": list(self.key),
            "item_type": self.item_type,
            "max_score": self.max_score,
            "language": self.language,
            "variant": self.variant,
        }

    @classmethod
    def of(cls, version: Any) -> "ItemContent":
        """The content of a stored ``ItemVersion``."""
        return cls(
            stem=version.stem,
            options=tuple((o["label"], o["text"]) for o in version.options),
            key=tuple(version.key),
            item_type=ItemType(version.item_type),
            max_score=Decimal(version.max_score),
            language=version.language,
            variant=Variant(version.variant),
        )
