"""assets/doc_tables.json against the two seed documents it was transcribed from, and what each
table says it is: provenance, derived columns and our notes (marked as ours) where the source is
wrong or oversimplified, shown on the home page."""

from __future__ import annotations

import inspect
import re
import unicodedata
from pathlib import Path

import pytest
from conftest import SEEDS, open_app

from nets import doc_tables
from ui.i18n import t as tr

ROOT = Path(__file__).resolve().parent.parent
HOME = ROOT / "pages" / "home.py"

PIPE_TABLES = {"维度": "core_differences", "场景": "summary"}
LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")


@pytest.fixture(scope="module")
def seeds() -> dict[str, str]:
    """Seed text per source key (doc_a, doc_b)."""
    if not SEEDS.is_dir():
        pytest.skip(f"seed folder {SEEDS} not available")
    out = {}
    for key, src in doc_tables.load_tables()["sources"].items():
        path = SEEDS / src["file"]
        assert path.is_file(), f"source file {path} named in doc_tables.json is missing"
        out[key] = path.read_text(encoding="utf-8")
    return out


def zh_rows(table_id: str) -> list[list[str]]:
    return doc_tables.rows_for(table_id, "zh")[1]


def col(table_id: str, key: str, lang: str = "zh") -> list[str]:
    return [row["cells"][key][lang] for row in doc_tables.table(table_id)["rows"]]


def pipe_tables(text: str) -> dict[str, tuple[list[str], list[list[str]]]]:
    """Markdown-ish pipe tables of a seed, keyed by their first header cell."""

    def cells(line: str) -> list[str]:
        parts = [p.strip() for p in line.strip().split("|")]
        if parts and parts[-1] == "":
            parts.pop()
        return parts

    lines = text.splitlines()
    found = {}
    for i in range(len(lines) - 1):
        if "|" in lines[i] and re.fullmatch(r"\s*-+(\s*\|\s*-+)*\s*\|?\s*", lines[i + 1]):
            header = cells(lines[i])
            body = []
            for line in lines[i + 2 :]:
                if "|" not in line:
                    break
                body.append(cells(line))
            found[header[0]] = (header, body)
    return found


def section(text: str, heading: str) -> str:
    """Text under a markdown heading (exact title), up to the next heading of the same or higher level."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"(#+) (.*)$", line)
        if m and m.group(2).strip() == heading:
            level = len(m.group(1))
            end = len(lines)
            for j in range(i + 1, len(lines)):
                n = re.match(r"(#+) ", lines[j])
                if n and len(n.group(1)) <= level:
                    end = j
                    break
            return "\n".join(lines[i + 1 : end])
    raise AssertionError(f"heading {heading!r} not found in seed")


def block(text: str, label: str) -> list[str]:
    """Lines after ``**label**：`` up to the next such label or heading (fences and blanks dropped)."""
    lines = text.splitlines()
    start = lines.index(f"**{label}**：") + 1
    out = []
    for line in lines[start:]:
        if re.fullmatch(r"\*\*[^*]+\*\*：", line) or line.startswith("#"):
            break
        if line.strip() and not line.startswith("```"):
            out.append(line)
    return out


def bullets(lines: list[str]) -> list[str]:
    return [line[2:].strip() for line in lines if line.startswith("- ")]


# ---------------------------------------------------------------- structure


def test_every_cell_bilingual_and_row_ids_unique():
    data = doc_tables.load_tables()
    assert set(data["sources"]) == {"doc_a", "doc_b"}
    for src in data["sources"].values():
        assert src["file"].endswith(".txt")
        assert src["title"]["zh"].strip() and src["title"]["en"].strip()
    table_ids = [t["id"] for t in data["tables"]]
    assert len(table_ids) == len(set(table_ids))
    required = {
        "core_differences",
        "summary",
        "selection_advice",
        "performance",
        "cnn_features",
        "rnn_features",
        "compute_pattern",
        "complaint_sentiment",
        "complaint_selection",
    }
    assert required <= set(table_ids)
    all_row_ids = []
    for t in data["tables"]:
        assert t["source"] in data["sources"]
        assert t["title"]["zh"].strip() and t["title"]["en"].strip()
        keys = [c["key"] for c in t["columns"]]
        assert len(keys) == len(set(keys)), t["id"]
        for c in t["columns"]:
            assert c["zh"].strip() and c["en"].strip(), (t["id"], c["key"])
        assert t["rows"], t["id"]
        for row in t["rows"]:
            assert re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", row["id"]), row["id"]
            assert set(row["cells"]) == set(keys), (t["id"], row["id"])
            for key in keys:
                cell = row["cells"][key]
                for lang in ("zh", "en"):
                    assert cell[lang].strip(), (t["id"], row["id"], key, lang)
                    assert cell[lang] == cell[lang].strip(), (t["id"], row["id"], key, lang)
        all_row_ids += [row["id"] for row in t["rows"]]
    assert len(all_row_ids) == len(set(all_row_ids)), "row ids must be unique across all tables"


def test_loader_api():
    headers, rows = doc_tables.rows_for("performance", "en")
    assert headers[0] == "Dimension"
    assert [r[0] for r in rows] == [
        "Training speed",
        "Long-text processing",
        "Resource consumption",
    ]
    assert doc_tables.rows_for("core_differences", "zh")[0] == [
        "维度",
        "RNN(循环神经网络)",
        "CNN(卷积神经网络)",
    ]
    assert "004_7027a0b7dcdaed58.txt" in doc_tables.source_label("performance", "en")
    assert "CNN与RNN技术关系深度分析" in doc_tables.source_label("performance", "zh")
    assert "000_1f8c0a0fe7d4e3e1.txt" in doc_tables.source_label("summary", "zh")
    assert doc_tables.load_tables() is doc_tables.load_tables()
    with pytest.raises(KeyError):
        doc_tables.table("no_such_table")
    with pytest.raises(ValueError):
        doc_tables.rows_for("summary", "fr")


# ---------------------------------------------------------------- against the seeds


def test_pipe_tables_match_seed_row_for_row(seeds):
    seen = set()
    for key, text in seeds.items():
        for first, (header, body) in pipe_tables(text).items():
            assert first in PIPE_TABLES, f"unexpected pipe table {first!r} in {key}"
            table_id = PIPE_TABLES[first]
            assert doc_tables.table(table_id)["source"] == key
            headers, rows = doc_tables.rows_for(table_id, "zh")
            assert headers == header
            assert len(rows) == len(body), f"{table_id}: seed has {len(body)} rows"
            for json_row, seed_row in zip(rows, body, strict=True):
                assert json_row == seed_row
            seen.add(table_id)
    assert seen == set(PIPE_TABLES.values())


def test_every_zh_cell_occurs_in_its_seed(seeds):
    """Every cell is the source's words, except the columns we derived (marked as ours)."""
    for t in doc_tables.load_tables()["tables"]:
        text = seeds[t["source"]]
        ours = set(doc_tables.derived_columns(t["id"]))
        for row in t["rows"]:
            for key, cell in row["cells"].items():
                if key in ours:
                    continue
                for line in cell["zh"].split("\n"):
                    assert line in text, (t["id"], row["id"], key, line)


def test_performance_claims_verbatim(seeds):
    text = seeds["doc_b"]
    lines = block(text, "性能对比分析")
    seed_rows = []
    for line in lines:
        m = re.fullmatch(r"- \*\*(.+?)\*\*：(.+?)（(.+)）", line)
        assert m, line
        seed_rows.append(list(m.groups()))
    assert [r[0] for r in seed_rows] == ["训练速度", "长文本处理", "资源消耗"]
    json_rows = [
        [d, c, r]
        for d, c, r in zip(
            col("performance", "dimension"),
            col("performance", "claim"),
            col("performance", "reason"),
            strict=True,
        )
    ]
    assert json_rows == seed_rows
    expected = {"训练速度": "CNN > RNN", "长文本处理": "RNN > CNN", "资源消耗": "CNN < RNN"}
    for dim, claim, reason in json_rows:
        assert claim == expected[dim]
        assert f"- **{dim}**：{claim}（{reason}）" in text
    # the better model (a column of ours): faster training, better long text, lower resource use
    assert [w.split("（")[0] for w in col("performance", "winner")] == ["CNN", "RNN", "CNN"]
    assert [w.split(" ")[0] for w in col("performance", "winner", "en")] == ["CNN", "RNN", "CNN"]
    assert doc_tables.derived_columns("performance") == ["winner"]


@pytest.mark.parametrize(
    ("table_id", "heading"),
    [
        ("cnn_features", "CNN (卷积神经网络) 核心原理"),
        ("rnn_features", "RNN (循环神经网络) 核心原理"),
    ],
)
def test_feature_lists(seeds, table_id, heading):
    lines = block(section(seeds["doc_b"], heading), "技术特征")
    json_lines = [f"**{f}**：{d}" for f, d in zh_rows(table_id)]
    assert bullets(lines) == json_lines


def test_compute_patterns(seeds):
    text = seeds["doc_b"]
    for model, heading in [
        ("CNN", "CNN (卷积神经网络) 核心原理"),
        ("RNN", "RNN (循环神经网络) 核心原理"),
    ]:
        lines = block(section(text, heading), "核心计算模式")
        rows = [r for r in zh_rows("compute_pattern") if r[0] == model]
        assert len(rows) == 1
        assert rows[0][1:] == lines


def test_complaint_sentiment(seeds):
    text = section(seeds["doc_b"], "客诉文本情感分析")
    seed_rows = [
        [model, item] for model in ("CNN", "RNN") for item in bullets(block(text, f"{model}优势"))
    ]
    assert zh_rows("complaint_sentiment") == seed_rows


def test_complaint_selection(seeds):
    text = section(seeds["doc_b"], "客诉系统场景选择")
    seed_rows = []
    for label in ("短文本分类", "长文本分析", "多模态客诉"):
        lines = block(text, label)
        assert lines[0].startswith("推荐：")
        basis = lines[1].removesuffix("：")
        seed_rows.append([label, lines[0].removeprefix("推荐："), basis, "\n".join(bullets(lines))])
    assert zh_rows("complaint_selection") == seed_rows


def test_selection_advice(seeds):
    text = seeds["doc_a"]
    lines = text.split("\n选择建议\n", 1)[1].split("\n代码示例对比\n", 1)[0].splitlines()
    seed_rows, guide = [], None
    for line in lines:
        if line.startswith("- "):
            seed_rows.append([guide, line[2:].strip()])
        else:
            guide = line.strip()
    rows = zh_rows("selection_advice")
    assert [r[:2] for r in rows] == seed_rows
    for _guide, advice, model in rows:
        assert model in advice


def test_no_seed_bullet_missing(seeds):
    """Every bullet of both documents (except doc_b's task metadata) is transcribed in one row."""
    rows = []
    for t in doc_tables.load_tables()["tables"]:
        for row in t["rows"]:
            pieces = set()
            for cell in row["cells"].values():
                pieces.add(cell["zh"])
                pieces.update(cell["zh"].split("\n"))
            rows.append((t["source"], pieces))

    def transcribed(key: str, pieces: list[str]) -> bool:
        return any(src == key and all(p in ps for p in pieces) for src, ps in rows)

    for key, text in seeds.items():
        if key == "doc_b":
            text = text.replace(section(text, "原始任务"), "")
        for line in text.splitlines():
            if not line.startswith("- "):
                continue
            bullet = LINK.sub(r"\1", line[2:].strip()).replace("**", "")
            if transcribed(key, [bullet]):
                continue
            # "label：a → b（reason）" bullets are split over several cells of one row
            assert key == "doc_b", f"{key}: bullet not transcribed: {line!r}"
            pieces = [p.strip() for p in re.split(r"：| → |（|）", bullet) if p.strip()]
            assert transcribed(key, pieces), f"{key}: bullet not transcribed: {line!r}"


# The three statements issue 10 names, and a word each of our notes must contain.
NAMED_NOTES = {
    ("typical_applications", "rnn_nlp"): ("Transformer", "GPT"),  # "GPT 的基础架构"
    ("evolution_directions", "lstm_gru_optimisation"): ("缓解", "mitigate"),  # "解决梯度消失"
    ("core_differences", "network_structure"): ("全连接", "dense"),  # "需固定输入尺寸"
}


def norm(s: str) -> str:
    """Only whitespace and full-/half-width forms are normalised (NFKC maps ，（） to ,())."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", s))


def test_every_table_has_a_provenance():
    for tid in doc_tables.table_ids():
        assert doc_tables.provenance(tid) in doc_tables.PROVENANCES, tid
        for key in doc_tables.derived_columns(tid):
            doc_tables.column_header(tid, key, "zh")  # a real column


def test_verbatim_tables_are_exactly_the_seeds_tables(seeds):
    verbatim = {
        tid for tid in doc_tables.table_ids() if doc_tables.provenance(tid) == "verbatim_table"
    }
    in_seeds = {PIPE_TABLES[first] for text in seeds.values() for first in pipe_tables(text)}
    assert verbatim == in_seeds == {"core_differences", "summary"}
    for tid in verbatim:
        text = norm(seeds[doc_tables.table(tid)["source"]])
        headers, rows = doc_tables.rows_for(tid, "zh")
        assert not doc_tables.derived_columns(tid)
        for cell in headers + [c for row in rows for c in row]:
            assert norm(cell) in text, (tid, cell)
        assert norm(" | ".join(headers)) in text  # the header row, in the source's order


def test_notes_for_the_three_named_statements():
    for (tid, rid), words in NAMED_NOTES.items():
        i = doc_tables.row_ids(tid).index(rid)
        for lang, word in zip(("zh", "en"), words, strict=True):
            note = doc_tables.notes(tid, lang)[i]
            assert note and word in note, (tid, rid, lang)


def test_every_note_is_bilingual_and_not_a_source_cell(seeds):
    n = 0
    for tid in doc_tables.table_ids():
        zh, en = doc_tables.notes(tid, "zh"), doc_tables.notes(tid, "en")
        for a, b in zip(zh, en, strict=True):
            assert (a is None) == (b is None)
            if a:
                n += 1
                assert a.strip() and b.strip()
                assert norm(a) not in norm(seeds[doc_tables.table(tid)["source"]])
    assert n >= len(NAMED_NOTES)


def test_notes_state_the_training_shift_range():
    """Notes that say the digit models were trained with ±3 px shifts match the training code."""
    from nets.train import augment_digits

    src = inspect.getsource(augment_digits)
    assert "±3 px" in src and "(3 / 14)" in src  # 3 px of a 28-px image in grid units [-1, 1]
    mentions = [
        note
        for tid in doc_tables.table_ids()
        for lang in ("zh", "en")
        for note in doc_tables.notes(tid, lang)
        if note and "±" in note
    ]
    assert mentions and all("±3 " in m for m in mentions)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_home_page_shows_provenance_and_notes(lang):
    from ui.tables import provenance_caption

    at = open_app(HOME, lang)
    captions = [c.value for c in at.caption]
    for tid in doc_tables.table_ids():
        assert provenance_caption(tid, lang) in captions, tid
    note_col = tr("tables.col.note", lang)
    shown = [df for df in (tb.value for tb in at.table) if note_col in df.columns]
    with_notes = [tid for tid in doc_tables.table_ids() if any(doc_tables.notes(tid, lang))]
    assert len(shown) == len(with_notes)
    cells = {c for df in shown for c in df[note_col]}
    for tid in with_notes:
        assert {n for n in doc_tables.notes(tid, lang) if n} <= cells
    joined = " ".join(captions)
    assert (
        tr("tables.derived", lang, cols=doc_tables.column_header("performance", "winner", lang))
        in joined
    )
