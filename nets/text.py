"""Text hygiene and the one bilingual tokenisation shared by both text models.

Chinese is read character by character, English word by word (lower-cased). The same
function prepares training data and user input, so what the model saw in training is
exactly what it sees in the app.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

from .errors import rejection

PAD, UNK = "<pad>", "<unk>"
USER, URL, NUM = "<user>", "<url>", "<num>"

MAX_RAW_CHARS = 4000  # after NFKC; normalisation can grow a string many times over
MAX_TOKENS = 200  # longer texts are truncated (TextAnalysis.truncated), not rejected
MAX_TOKEN_CHARS = 24  # a longer "word" is cut, so no input makes the tokeniser slow
ZWJ = "\u200d"

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # CJK ideographs (+ ext. A, compatibility)
_TOKEN_RE = re.compile(
    rf"(?P<url>https?://\S+|www\.\S+)"
    rf"|(?P<user>@\w+)"
    rf"|(?P<cjk>[{_CJK}])"
    rf"|(?P<num>\d+(?:[.,:]\d+)*)"
    rf"|(?P<word>[^\W\d_{_CJK}]+(?:'[^\W\d_{_CJK}]+)*)"
    rf"|(?P<emoji>\S(?:\u200d\S)+)"
    rf"|(?P<other>\S)",
    re.UNICODE,
)


@dataclass(frozen=True)
class CleanText:
    """Text after hygiene: what the tokeniser reads, and whether it was cut."""

    text: str
    cut: bool


def clean_text(text: str) -> CleanText:
    """NFKC-normalise, cap the length, turn control characters and separators into spaces, and
    drop invisible format (bidi, zero-width), surrogate, private-use and unassigned characters.

    A control character (NUL, tab, newline…) separates words like a space: "good\\0movie" is two
    words. The zero-width joiner is kept only between two non-ASCII symbols (inside emoji).

    Args:
        text: raw user or corpus text.

    Returns:
        The cleaned text and whether the raw length cap cut it.
    """
    if not isinstance(text, str):
        raise rejection("not_text", "text.error.not_text", "text")
    # Cap before normalising too: NFKC of a huge string is itself slow.
    cut = len(text) > MAX_RAW_CHARS
    text = unicodedata.normalize("NFKC", text[:MAX_RAW_CHARS])
    if len(text) > MAX_RAW_CHARS:
        text, cut = text[:MAX_RAW_CHARS], True
    out = []
    for i, ch in enumerate(text):
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Zs", "Zl", "Zp"):  # controls (NUL, tab, newline…) and separators
            out.append(" ")
        elif ch == ZWJ:
            prev = text[i - 1] if i else ""
            nxt = text[i + 1] if i + 1 < len(text) else ""
            if prev and nxt and ord(prev) > 0x2000 and ord(nxt) > 0x2000:
                out.append(ch)
        elif cat in ("Cf", "Cs", "Co", "Cn"):  # invisible format, surrogate, private, unassigned
            continue
        else:
            out.append(ch)
    return CleanText("".join(out).strip(), cut)


_SPECIAL = {"url": URL, "user": USER, "num": NUM}


def token_of(m: re.Match) -> str:
    """The token one match of the tokeniser's pattern stands for (words lower-cased and cut)."""
    kind = m.lastgroup
    if kind in _SPECIAL:
        return _SPECIAL[kind]
    if kind == "word":
        return m.group().lower()[:MAX_TOKEN_CHARS]
    return m.group()


def tokenize(text: str) -> list[str]:
    """Split cleaned text into tokens: CJK characters, lower-cased words, numbers, symbols.

    Mentions become ``<user>``, links ``<url>`` and numbers ``<num>``, so the vocabulary
    learns what they mean rather than which account or link it was.
    """
    return [token_of(m) for m in _TOKEN_RE.finditer(text)]


def corpus_tokens(text: str) -> list[str]:
    """Tokens of a training sentence (HTML entities of the tweet corpus decoded first)."""
    return tokenize(clean_text(html.unescape(text)).text)[:MAX_TOKENS]


class Vocab:
    """Token ↔ id mapping; id 0 is ``<pad>``, id 1 is ``<unk>``."""

    def __init__(self, itos: list[str]):
        if itos[:2] != [PAD, UNK]:
            raise ValueError("vocabulary must start with <pad>, <unk>")
        self.itos = list(itos)
        self.stoi = {t: i for i, t in enumerate(self.itos)}

    @classmethod
    def build(cls, token_lists, min_count: int = 2, max_size: int = 20000) -> Vocab:
        """Build from training token lists: tokens seen ``min_count`` times, most frequent first."""
        counts: dict[str, int] = {}
        for toks in token_lists:
            for t in toks:
                counts[t] = counts.get(t, 0) + 1
        kept = sorted(
            (t for t, c in counts.items() if c >= min_count), key=lambda t: (-counts[t], t)
        )
        return cls([PAD, UNK, *[t for t in kept if t not in (PAD, UNK)][: max_size - 2]])

    def __len__(self) -> int:
        return len(self.itos)

    @property
    def pad_id(self) -> int:
        return 0

    @property
    def unk_id(self) -> int:
        return 1

    def encode(self, tokens: list[str]) -> list[int]:
        return [self.stoi.get(t, 1) for t in tokens]


@dataclass(frozen=True)
class EncodedText:
    """A user sentence ready for the text models."""

    tokens: list[str]  # as read, "<unk>" where the vocabulary lacks the token
    raw_tokens: list[str]  # as written (same length as tokens)
    token_ids: list[int]
    truncated: bool


def encode_user_text(text: str, vocab: Vocab) -> EncodedText:
    """Validate and encode a user sentence.

    Raises:
        InputError: empty text, or text made only of characters the model cannot read.
    """
    clean = clean_text(text)
    if not clean.text:
        raise rejection("empty_text", "text.error.empty", "text")
    raw = tokenize(clean.text)
    truncated = clean.cut or len(raw) > MAX_TOKENS
    raw = raw[:MAX_TOKENS]
    ids = vocab.encode(raw)
    if not raw or all(i == vocab.unk_id for i in ids):
        raise rejection("unknown_text", "text.error.unknown", "text")
    tokens = [t if i != vocab.unk_id else UNK for t, i in zip(raw, ids, strict=True)]
    return EncodedText(tokens, raw, ids, truncated)
