"""The CSV / paste reader of a learner's series: every bad input of the issue's list gets its
bilingual InputError; good files in common shapes are read."""

from __future__ import annotations

import io
import time
import zipfile

import numpy as np
import pytest
from PIL import Image

from nets import InputError
from nets import series_csv as C

LIMIT = 1024 * 1024


def rows(n: int, header: str = "value") -> bytes:
    lines = [header] + [f"{np.sin(i / 5) * 10 + i * 0.01:.4f}" for i in range(n)]
    return "\n".join(lines).encode()


def png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buf, "PNG")
    return buf.getvalue()


def xlsx_like() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    return buf.getvalue()


def code(exc: pytest.ExceptionInfo) -> str:
    err = exc.value
    assert err.message("zh") and err.message("en") and err.message("zh") != err.message("en")
    return err.code


def read(data: bytes, column: int | None = None) -> np.ndarray:
    table = C.read_csv(data, LIMIT)
    return table.series(table.numeric[0] if column is None else column)


BAD = {
    "not_csv_png": (png(), "not_csv"),
    "not_csv_zip": (xlsx_like(), "not_csv"),
    "not_csv_binary": (bytes(range(256)) * 40, "not_csv"),
    "empty": (b"", "empty"),
    "blank_lines": (b"\n\n  \n", "empty"),
    "no_numeric": (b"name,city\n" + b"ann,paris\n" * 80, "no_numeric"),
    "nan_empty_cell": (rows(80).replace(b"\n5.", b"\n\n5.", 1) + b"\n,\n", "nan"),
    "nan_text": (rows(80) + b"\nabc\n", "nan"),
    "nan_literal": (rows(80) + b"\nnan\n", "nan"),
    "inf_literal": (rows(80) + b"\ninf\n", "nan"),
    "constant": (b"v\n" + b"3.5\n" * 100, "constant"),
    "too_short": (rows(C.MIN_ROWS - 1), "too_short"),
    "too_long": (rows(C.MAX_ROWS + 1), "too_long"),
    "too_wide": ((",".join(["1"] * (C.MAX_COLUMNS + 1)) + "\n").encode() * 60, "too_wide"),
    "huge": (b"1\n" * (LIMIT // 2 + 1), "too_big"),
    "too_many_cells": ((",".join(["1"] * 40) + "\n").encode() * 30_000, "too_wide"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_csv_is_rejected_with_a_bilingual_message(case):
    data, want = BAD[case]
    limit = LIMIT if case not in ("too_long", "too_many_cells") else 10 * LIMIT
    with pytest.raises(InputError) as exc:
        table = C.read_csv(data, limit)
        table.series(table.numeric[0])
    assert code(exc) == want


def test_nan_message_names_the_column_and_first_row():
    data = b"date,load\n" + b"".join(f"2020-01-{i % 28 + 1:02d},{i}\n".encode() for i in range(60))
    data += b"2020-03-01,\n2020-03-02,oops\n"
    table = C.read_csv(data, LIMIT)
    with pytest.raises(InputError) as exc:
        table.series(1)
    assert exc.value.code == "nan"
    assert "load" in exc.value.message("en") and "62" in exc.value.message("en")
    assert "2" in exc.value.message("en")  # two bad values


def test_huge_input_is_refused_before_parsing():
    data = b"1\n" * (50 * LIMIT)  # 100 MB
    t0 = time.perf_counter()
    with pytest.raises(InputError) as exc:
        C.read_csv(data, LIMIT)
    assert exc.value.code == "too_big"
    assert time.perf_counter() - t0 < 1.0  # functional: no parsing happened


def test_a_plain_column_with_header():
    v = read(rows(200))
    assert len(v) == 200 and v[1] == pytest.approx(np.sin(0.2) * 10 + 0.01, abs=1e-4)


def test_no_header_one_number_per_line():
    data = "\n".join(str(i % 7 + 0.5) for i in range(100)).encode()
    table = C.read_csv(data, LIMIT)
    assert not table.header and table.names == ["1"]
    assert table.series(0)[:3].tolist() == [0.5, 1.5, 2.5]


def test_dates_become_labels_and_columns_can_be_picked():
    lines = ["Date;Open;Close"] + [f"2020-01-{i % 28 + 1:02d};{i};{2 * i + 1}" for i in range(80)]
    table = C.read_csv(("\n".join(lines)).encode(), LIMIT)
    assert table.names == ["Date", "Open", "Close"] and table.numeric == [1, 2]
    assert table.labels[:2] == ["2020-01-01", "2020-01-02"]
    assert table.series(2)[:3].tolist() == [1.0, 3.0, 5.0]


def test_gbk_and_bom_files_are_read():
    lines = ["日期,负荷"] + [f"第{i}天,{i * 1.5}" for i in range(60)]
    for data in ("\n".join(lines).encode("gb18030"), "\n".join(lines).encode("utf-8-sig")):
        table = C.read_csv(data, LIMIT)
        assert table.names[1] == "负荷"
        assert table.series(1)[2] == 3.0


def test_tab_separated_with_windows_line_ends():
    lines = ["t\tx"] + [f"{i}\t{(i * 37) % 11}" for i in range(70)]
    table = C.read_csv("\r\n".join(lines).encode(), LIMIT)
    assert table.numeric == [0, 1]
    assert len(table.series(1)) == 70


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("", "empty"),
        ("1 2 3", "too_short"),
        (" ".join(["4"] * 60), "constant"),
        (" ".join(str(i) for i in range(60)) + " x", "nan"),
        (" ".join(str(i) for i in range(C.MAX_ROWS + 1)), "too_long"),
        ("1 " * 1000, "too_big"),
    ],
)
def test_bad_paste(text, want):
    with pytest.raises(InputError) as exc:
        C.read_pasted(text, max_chars=1500 if want == "too_big" else 10**7)
    assert exc.value.code == want or (want == "empty" and exc.value.code == "empty")


def test_paste_with_a_title_and_mixed_separators():
    text = "sales\n" + "; ".join(f"{i % 9},{i % 5}" for i in range(40))
    v = C.read_pasted(text, 10**6)
    assert len(v) == 80 and v[:4].tolist() == [0, 0, 1, 1]
