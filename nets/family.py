"""The RNN family on the RNN page: which recurrent networks exist and how each reads Chinese.

Light on purpose (no torch): the page reads the member list and the URL's choice from here.
Six members, all with additive attention over their states, trained on the same split
(``python -m nets.train family``):

========================  =====  ==============  ==========================================
checkpoint                cell   directions      Chinese read as
========================  =====  ==============  ==========================================
``text_gru``              GRU    forward         characters (字) — the original page model
``text_lstm``             LSTM   forward         characters — the source document's TextRNN
``text_bigru``            GRU    both            characters
``text_gru_word``         GRU    forward         words (词, ``nets.words``)
``text_lstm_word``        LSTM   forward         words
``text_bigru_word``       GRU    both            words
========================  =====  ==============  ==========================================

English is read word by word by every member (lower-cased, as ``nets.text.tokenize``).
"""

from __future__ import annotations

from dataclasses import dataclass

ARCHS = ("gru", "lstm", "bigru")
TOKENISATIONS = ("char", "word")
DEFAULT = "text_gru"


@dataclass(frozen=True)
class Member:
    """One trained family member.

    Attributes:
        name: its checkpoint / metrics name (``assets/models/<name>.pt``).
        arch: ``"gru"``, ``"lstm"`` or ``"bigru"``.
        tok: ``"char"`` (Chinese by characters) or ``"word"`` (by words).
    """

    name: str
    arch: str
    tok: str

    @property
    def cell(self) -> str:
        return "lstm" if self.arch == "lstm" else "gru"

    @property
    def bidirectional(self) -> bool:
        return self.arch == "bigru"


MEMBERS: dict[str, Member] = {
    f"text_{arch}" + ("_word" if tok == "word" else ""): Member(
        f"text_{arch}" + ("_word" if tok == "word" else ""), arch, tok
    )
    for tok in TOKENISATIONS
    for arch in ARCHS
}


def member_name(arch: str = "gru", tok: str = "char") -> str:
    """The checkpoint name of the member with this architecture and Chinese tokenisation.

    Raises:
        ValueError: an unknown architecture or tokenisation.
    """
    if arch not in ARCHS or tok not in TOKENISATIONS:
        raise ValueError(f"no family member {arch!r}/{tok!r}")
    return f"text_{arch}" + ("_word" if tok == "word" else "")


def vocab_source(name: str) -> str:
    """Whose checkpoint holds the vocabulary model ``name`` reads with: ``text_gru`` for the
    TextCNN and the by-characters members, ``text_gru_word`` for the by-words members (the
    training run builds one vocabulary per tokenisation; a test checks the stored copies agree)."""
    m = MEMBERS.get(name)
    return "text_gru_word" if m is not None and m.tok == "word" else "text_gru"


def member(name: str) -> Member:
    """The member called ``name`` (``KeyError`` for an unknown one)."""
    return MEMBERS[name]
