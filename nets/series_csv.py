"""Reading a learner's own series from untrusted bytes (a CSV upload) or text (pasted numbers).

Bounded before any parsing: at most ``max_bytes`` (the app passes its upload limit), at most
:data:`MAX_COLUMNS` columns, :data:`MAX_ROWS` + 1 rows and :data:`MAX_CELLS` cells are read
(an 8 MB file is refused or read in ≈ 2–3 s and ≤ 130 MB at load average 9 here); numbers are
converted only for the column the learner picks. Everything happens in memory. Every rejection is an
:class:`nets.InputError` with a message in both languages:

``too_big``, ``empty``, ``not_csv`` (binary, undecodable, not delimited text), ``too_wide``
(too many columns or cells),
``no_numeric``, ``nan`` (missing, non-numeric or infinite cells in the chosen column),
``constant``, ``too_short`` (< :data:`MIN_ROWS` values), ``too_long`` (> :data:`MAX_ROWS`).
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass

import numpy as np

from .errors import InputError

MIN_ROWS = 50
MAX_ROWS = 100_000
MAX_COLUMNS = 64
MAX_CELLS = 1_000_000  # rows × columns kept in memory at most (≈ 60 MB of cell strings)
MAX_LABEL = 40  # characters kept of a row label (first non-numeric column)
NUMERIC_SHARE = 0.8  # a column is numeric when at least this share of its cells are numbers
SNIFF_LINES = 50
DELIMITERS = (",", ";", "\t", "|")
_SPLIT = re.compile(r"[\s,;]+")


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


def too_big(max_bytes: int) -> InputError:
    return InputError(
        "too_big",
        f"文件太大：最多 {_mb(max_bytes)}。请只保留需要的那一列，或截取一段再上传。",
        f"The file is too large: at most {_mb(max_bytes)}. Keep only the column you need, or a "
        "shorter stretch, and upload again.",
    )


def _empty() -> InputError:
    return InputError("empty", "没有读到任何内容。", "There is nothing to read.")


def _not_csv() -> InputError:
    return InputError(
        "not_csv",
        "这不是 CSV 文本文件（例如是图片、Excel 或压缩包）。请在表格软件中“另存为 CSV”后再上传。",
        "This is not a CSV text file (it looks like an image, a spreadsheet or an archive). Save "
        "it as CSV from your spreadsheet program and upload that.",
    )


def _too_wide(n: int) -> InputError:
    return InputError(
        "too_wide",
        f"列太多（{n} 列，最多 {MAX_COLUMNS} 列）。请只保留需要的列。",
        f"Too many columns ({n}; at most {MAX_COLUMNS}). Keep only the columns you need.",
    )


def _too_many_cells() -> InputError:
    return InputError(
        "too_wide",
        f"数据太多：行数 × 列数超过 {MAX_CELLS:,}。请只保留需要的列。",
        f"Too much data: rows × columns exceed {MAX_CELLS:,}. Keep only the columns you need.",
    )


def _no_numeric() -> InputError:
    return InputError(
        "no_numeric",
        "没有找到数值列：至少需要一列几乎全是数字。",
        "No numeric column found: at least one column must be (almost) all numbers.",
    )


def _nan(name: str, count: int, row: int) -> InputError:
    return InputError(
        "nan",
        f"“{name}”列有 {count:,} 个缺失或非数字的值（第一个在第 {row:,} 行）。"
        "请补全或删除这些行后再试。",
        f"Column “{name}” has {count:,} missing or non-numeric values (the first in row "
        f"{row:,}). Fill them in or remove those rows, then try again.",
    )


def _constant() -> InputError:
    return InputError(
        "constant",
        "这一列所有值都相同：常数序列没有可以预测的变化。",
        "Every value in this column is the same: a constant series has nothing to forecast.",
    )


def _too_short(n: int) -> InputError:
    return InputError(
        "too_short",
        f"序列太短：{n:,} 个值，至少需要 {MIN_ROWS} 个（要分出训练、验证和测试三段）。",
        f"The series is too short: {n:,} values, at least {MIN_ROWS} are needed (it is split into "
        "training, validation and test parts).",
    )


def _too_long() -> InputError:
    return InputError(
        "too_long",
        f"序列太长：最多 {MAX_ROWS:,} 行。请截取一段再试。",
        f"The series is too long: at most {MAX_ROWS:,} rows. Use a shorter stretch.",
    )


def _number(cell: str) -> float | None:
    """The cell as a finite float, else None (empty, text, nan, inf)."""
    try:
        v = float(cell.strip())
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def _decode(data: bytes) -> str:
    if b"\x00" in data[:65536]:
        raise _not_csv()
    for enc in ("utf-8-sig", "gb18030"):  # Chinese spreadsheets often save CSV as GBK
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        ctrl = sum(1 for ch in text[:65536] if ord(ch) < 32 and ch not in "\r\n\t")
        if ctrl > 0.01 * min(len(text), 65536):
            raise _not_csv()
        return text
    raise _not_csv()


def _delimiter(lines: list[str]) -> str | None:
    """The delimiter found in every sniffed line the same number of times, or None."""
    best = None
    for d in DELIMITERS:
        counts = {ln.count(d) for ln in lines}
        if len(counts) == 1 and counts.pop() > 0:
            best = best or d
    if best is None:  # a ragged file: the delimiter present in most lines
        scores = {d: sum(d in ln for ln in lines) for d in DELIMITERS}
        d, s = max(scores.items(), key=lambda kv: kv[1])
        best = d if s >= 0.8 * len(lines) else None
    return best


@dataclass
class Table:
    """A parsed CSV: its numeric columns (candidates) and the raw cells, not yet converted.

    Attributes:
        names: every column's name (the header's, or ``"1"``, ``"2"``… without a header).
        numeric: indices of the columns that are mostly numbers, in file order.
        rows: the data rows' cells (header excluded).
        header: whether the first row was a header.
        labels: the first column's text when it is not numeric (dates…), else None.
    """

    names: list[str]
    numeric: list[int]
    rows: list[list[str]]
    header: bool
    labels: list[str] | None

    def series(self, column: int) -> np.ndarray:
        """The values of one numeric column, checked (see the module docstring).

        Raises:
            InputError: ``nan``, ``constant``, ``too_short``.
        """
        vals = [_number(r[column]) if column < len(r) else None for r in self.rows]
        bad = [i for i, v in enumerate(vals) if v is None]
        if bad:
            first_row = bad[0] + 1 + (1 if self.header else 0)  # 1-based line in the file
            raise _nan(self.names[column], len(bad), first_row)
        return check_values(np.asarray(vals, dtype=np.float64))


def check_values(values: np.ndarray) -> np.ndarray:
    """Reject a series that is too short, too long, not finite or constant."""
    if len(values) < MIN_ROWS:
        raise _too_short(len(values))
    if len(values) > MAX_ROWS:
        raise _too_long()
    if not np.all(np.isfinite(values)):
        raise _nan("—", int((~np.isfinite(values)).sum()), int(np.argmin(np.isfinite(values))) + 1)
    if float(np.ptp(values)) == 0.0:
        raise _constant()
    return values


def read_csv(data: bytes, max_bytes: int) -> Table:
    """Parse CSV bytes into a :class:`Table` (no numbers converted yet).

    Args:
        data: the uploaded file's bytes.
        max_bytes: the largest accepted file (the app's upload limit).

    Raises:
        InputError: ``too_big``, ``empty``, ``not_csv``, ``too_wide``, ``too_long``,
            ``no_numeric``.
    """
    if len(data) > max_bytes:
        raise too_big(max_bytes)
    text = _decode(data)
    lines = [ln for ln in text[:65536].splitlines()[: SNIFF_LINES + 1] if ln.strip()]
    if not lines:
        raise _empty()
    delim = _delimiter(lines)
    reader = csv.reader(io.StringIO(text), delimiter=delim or "\x1f", strict=False)
    rows: list[list[str]] = []
    cells = 0
    try:
        for row in reader:
            if not any(c.strip() for c in row):
                continue
            if len(row) > MAX_COLUMNS:
                raise _too_wide(len(row))
            cells += len(row)
            if cells > MAX_CELLS:
                raise _too_many_cells()
            rows.append(row)
            if len(rows) > MAX_ROWS + 1:  # + 1: the header
                raise _too_long()
    except csv.Error:
        raise _not_csv() from None
    width = max(len(r) for r in rows)
    sample = rows[1 : 1 + 1000] or rows
    share = [
        sum(_number(r[c]) is not None for r in sample if c < len(r)) / len(sample)
        for c in range(width)
    ]
    numeric = [c for c in range(width) if share[c] >= NUMERIC_SHARE]
    if not numeric:
        raise _no_numeric()
    first = rows[0]
    header = any(c < len(first) and _number(first[c]) is None for c in numeric)
    if header:
        names = [(first[c].strip() if c < len(first) else "") or str(c + 1) for c in range(width)]
        rows = rows[1:]
    else:
        names = [str(c + 1) for c in range(width)]
    if len(rows) > MAX_ROWS:
        raise _too_long()
    labels = None
    if 0 not in numeric and all(r and r[0].strip() for r in rows):
        labels = [r[0].strip()[:MAX_LABEL] for r in rows]
    return Table(names, numeric, rows, header, labels)


def read_pasted(text: str, max_chars: int) -> np.ndarray:
    """Numbers typed or pasted as text: separated by spaces, new lines, commas or semicolons.

    A first item that is not a number is taken as a column title and skipped.

    Raises:
        InputError: ``too_big``, ``empty``, ``nan``, ``constant``, ``too_short``, ``too_long``.
    """
    if len(text) > max_chars:
        raise too_big(max_chars)
    items = [s for s in _SPLIT.split(text.strip()) if s]
    if not items:
        raise _empty()
    if _number(items[0]) is None and len(items) > 1:
        items = items[1:]
    if len(items) > MAX_ROWS:
        raise _too_long()
    vals = [_number(s) for s in items]
    bad = [i for i, v in enumerate(vals) if v is None]
    if bad:
        raise InputError(
            "nan",
            f"有 {len(bad):,} 项不是数字（第一个是第 {bad[0] + 1:,} 项）。",
            f"{len(bad):,} items are not numbers (the first is item {bad[0] + 1:,}).",
        )
    return check_values(np.asarray(vals, dtype=np.float64))
