"""Ingest and ``analyze`` end to end: formats, encodings, mappings, dates, bad input, outputs."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import polars as pl
import pytest

from neijuan.ads import analyze
from neijuan.ads.ingest import decode, parse_dates
from neijuan.errors import ConfigError, DataError

HEADER = "id,date,title,text,salary\n"
ROWS = [
    ("a1", "2021-03-05", "算法工程师", "负责深度学习模型训练。本科及以上学历。", "20-30K·14薪"),
    ("a2", "2021-04-10", "前台", "商汤科技招聘前台，大专学历。", "5-7K"),
    ("a3", "2022-01-15", "Data Scientist", "Build machine learning models. MSc required.",
     "£50,000 - £60,000"),
    ("a4", "2022-02-01", "Cleaner", "Office cleaning, no experience needed.", "£11 per hour"),
]


def csv_text(rows: list[tuple[str, ...]] = ROWS, header: str = HEADER) -> str:
    def q(v: str) -> str:
        return '"' + v.replace('"', '""') + '"'
    return header + "".join(",".join(q(v) for v in r) + "\n" for r in rows)


def test_csv_end_to_end_writes_outputs_atomically(tmp_path: Path, no_data: Path) -> None:
    src = tmp_path / "ads.csv"
    src.write_text(csv_text(), encoding="utf-8")
    out = tmp_path / "out"
    res = analyze(src, out, data_dir=no_data)
    assert sorted(p.name for p in out.iterdir()) == [
        "ads.parquet", "neijuan-manifest.json", "rejects.csv", "rejects.parquet",
        "summary.json"]  # no temp files left
    ads = pl.read_parquet(out / "ads.parquet")
    for col in ["id", "date", "ai_skill", "ai_skill_specialist", "ai_skill_tool", "degree_level",
                "degree_strength", "salary_min", "salary_max", "salary_currency", "salary_period",
                "ai_specialist_evidence", "degree_evidence", "salary_evidence", "occupation_soc"]:
        assert col in ads.columns
    assert ads["ai_skill"].to_list() == [True, False, True, False]
    assert ads["date"].dtype == pl.Date
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    c = summary["counts"]
    assert c["rows_read"] == 4 and c["ads"] == 4 and c["rejected"] == 0
    assert c["check_rows_read_equals_ads_plus_rejected"]
    prov = summary["provenance"]
    assert prov["taxonomy"]["version"] and len(prov["taxonomy"]["sha256"]) == 64
    assert summary["inputs"][0]["sha256"] and prov["code_version"]
    assert res.ads.height == 4 and res.rejects.height == 0


def test_gbk_file_and_mixed_encodings(tmp_path: Path, no_data: Path) -> None:
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(csv_text().encode("gb18030"))
    mixed = tmp_path / "mixed.csv"
    lines = csv_text().split("\n")
    # header and first row in UTF-8, the rest in GBK, one line in no encoding at all
    body = [lines[0].encode(), lines[1].replace("a1", "m1").encode("utf-8"),
            lines[2].replace("a2", "m2").encode("gb18030"),
            b'"m3","2022-01-01","x","\xff\xfe\xfa broken","1"']
    mixed.write_bytes(b"\n".join(body) + b"\n")
    res = analyze([gbk, mixed], tmp_path / "out", data_dir=no_data)
    assert set(res.ads["id"].to_list()) == {"a1", "a2", "a3", "a4", "m1", "m2"}
    assert res.ads.filter(pl.col("id") == "m2")["title"][0] == "前台"
    rej = res.rejects.filter(pl.col("id") == "m3")
    assert rej["reason"].to_list() == ["undecodable_bytes"]
    encodings = {m["path"]: m["encoding"] for m in res.summary["inputs"]}
    assert "gb18030" in encodings[str(gbk)] and "undecodable" in encodings[str(mixed)]


def test_bom_utf16_and_explicit_encoding(tmp_path: Path) -> None:
    raw = csv_text().encode("utf-16")
    text, how = decode(raw, tmp_path / "x.csv", None)
    assert how == "utf-16" and "算法工程师" in text
    with pytest.raises(DataError, match="not valid ascii at line 2"):
        decode(csv_text().encode("utf-8"), tmp_path / "x.csv", "ascii")


def test_jsonl_parquet_json_and_gzip(tmp_path: Path, no_data: Path) -> None:
    frame = pl.DataFrame([dict(zip(["id", "date", "title", "text", "salary"], r, strict=True))
                          for r in ROWS])
    frame.write_ndjson(tmp_path / "a.jsonl")
    frame.with_columns(pl.col("id") + "p", pl.col("date").str.to_date()).write_parquet(
        tmp_path / "b.parquet")
    (tmp_path / "c.json").write_text(json.dumps(
        [dict(r, id=r["id"] + "j") for r in frame.to_dicts()], ensure_ascii=False), encoding="utf-8")
    (tmp_path / "d.csv.gz").write_bytes(gzip.compress(
        csv_text([(r[0] + "g", *r[1:]) for r in ROWS]).encode()))
    res = analyze(tmp_path, tmp_path / "out", data_dir=no_data)  # a folder of files
    assert res.ads.height == 16 and res.summary["counts"]["files"] == 4


def test_broken_rows_are_quarantined_not_dropped(tmp_path: Path, no_data: Path) -> None:
    csv = tmp_path / "bad.csv"
    csv.write_text(HEADER + '"b1","2021-01-01","t","ok text","1-2K"\n'
                   '"b2","2021-01-01","t","too","many","fields","here"\n'
                   '"b3","2021-01-01","t","","1-2K"\n'
                   '"b4","not a date","t","some text",""\n'
                   '"b5","05/06/2021","t","ambiguous day and month",""\n'
                   '"b6","1970-01-01","t","too old",""\n'
                   '"b1","2021-02-02","t","duplicate id",""\n', encoding="utf-8")
    jsonl = tmp_path / "bad.jsonl"
    jsonl.write_text('{"id": "j1", "date": "2021-05-01", "text": "fine"}\n'
                     '{"id": "j2", "date": "2021-05-01", "text": broken}\n'
                     '[1, 2]\n', encoding="utf-8")
    res = analyze([csv, jsonl], tmp_path / "out", data_dir=no_data)
    reasons = dict(zip(res.rejects["id"].fill_null("?").to_list(),
                       res.rejects["reason"].to_list(), strict=True))
    assert res.ads["id"].sort().to_list() == ["b1", "j1"]
    assert reasons["b3"] == "empty_text"
    assert reasons["b4"] == "unparseable_date"
    assert reasons["b5"] == "ambiguous_date"
    assert reasons["b6"] == "implausible_date"
    by_reason = res.summary["counts"]["rejects_by_reason"]
    assert by_reason["malformed_csv"] == 1 and by_reason["malformed_json"] == 2
    assert by_reason["duplicate_id"] == 1
    c = res.summary["counts"]
    assert c["rows_read"] == c["ads"] + c["rejected"] == 10
    detail = res.rejects.filter(pl.col("reason") == "malformed_csv")["detail"][0]
    assert "line 3" in detail and "7 fields" in detail
    assert (tmp_path / "out" / "rejects.csv").read_text(encoding="utf-8").count("\n") == 9


def test_absurd_salary_keeps_the_ad_and_lists_it(tmp_path: Path, no_data: Path) -> None:
    src = tmp_path / "s.csv"
    src.write_text(csv_text([("s1", "2023-01-01", "Chef", "Cook food.", "$9,000,000,000 a year"),
                             ("s2", "2023-01-01", "Chef", "Cook food.", "$40,000 a year")]),
                   encoding="utf-8")
    res = analyze(src, tmp_path / "out", data_dir=no_data)
    assert res.ads.height == 2
    s1 = res.ads.filter(pl.col("id") == "s1").row(0, named=True)
    assert s1["salary_status"] == "absurd_high" and s1["salary_min"] is None
    rej = res.rejects.row(0, named=True)
    assert (rej["id"], rej["stage"], rej["kept_in_ads"]) == ("s1", "salary", True)
    assert res.summary["counts"]["salary_quarantined"] == {"absurd_high": 1}
    assert res.summary["counts"]["rejected"] == 0


def test_mojibake_and_html_repaired(tmp_path: Path, no_data: Path) -> None:
    clean = "Machine Learning Engineer – Bachelor’s degree required. £40,000 – £50,000"
    garbled = clean.encode("utf-8").decode("cp1252", errors="replace")
    zh = "负责深度学习算法研发，硕士学历。".encode().decode("latin-1")
    html = "<p>We need a <b>Data Scientist</b>.</p><ul><li>Master&#39;s degree</li></ul>"
    src = tmp_path / "m.csv"
    src.write_text(csv_text([("x1", "2024-01-01", "ML", garbled, ""),
                             ("x2", "2024-01-01", "算法", zh, ""),
                             ("x3", "2024-01-01", "DS", html, "")]), encoding="utf-8")
    res = analyze(src, tmp_path / "out", data_dir=no_data)
    rows = {r["id"]: r for r in res.ads.iter_rows(named=True)}
    assert "’" in rows["x1"]["text"] and rows["x1"]["salary_max"] == 50000
    assert rows["x2"]["text"].startswith("负责深度学习") and rows["x2"]["ai_skill_specialist"]
    assert "<" not in rows["x3"]["text"] and rows["x3"]["degree_level"] == "master"
    assert res.summary["counts"]["repaired"]["mojibake"] == 2
    assert res.summary["counts"]["repaired"]["html"] == 1


def test_mapping_options_and_toml(tmp_path: Path, no_data: Path) -> None:
    src = tmp_path / "m.csv"
    src.write_text(csv_text(header="job_id,posted,job_title,body,pay\n"), encoding="utf-8")
    res = analyze(src, tmp_path / "o1", id="job_id", date="posted", title="job_title",
                  text="body", salary="pay", data_dir=no_data)
    assert res.ads["salary_min"].to_list()[:2] == [20000, 5000]
    mapping = tmp_path / "map.toml"
    mapping.write_text('[columns]\nid = "job_id"\ndate = "posted"\ntitle = "job_title"\n'
                       'text = "body"\nsalary = "pay"\n[options]\ndefault_currency = "gbp"\n',
                       encoding="utf-8")
    res2 = analyze(src, tmp_path / "o2", mapping_file=mapping, data_dir=no_data)
    assert res2.ads.drop("file").equals(res.ads.drop("file"))
    assert res2.summary["mapping"]["default_currency"] == "GBP"
    bad = tmp_path / "bad.toml"
    bad.write_text('[columns]\nbody = "text"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"unknown key\(s\) \['body'\]"):
        analyze(src, tmp_path / "o3", mapping_file=bad)


def test_missing_mapped_column_names_file_and_columns(tmp_path: Path) -> None:
    src = tmp_path / "m.csv"
    src.write_text(csv_text(), encoding="utf-8")
    with pytest.raises(DataError, match=r"m\.csv: column 'body' for 'text' not found; the file has "
                                        r"columns \['id', 'date', 'title', 'text', 'salary'\]"):
        analyze(src, tmp_path / "out", text="body")
    with pytest.raises(DataError, match="column 'posted' for 'date'"):
        analyze(src, tmp_path / "out", date="posted")


def test_empty_inputs(tmp_path: Path, no_data: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    header_only = tmp_path / "header.csv"
    header_only.write_text(HEADER, encoding="utf-8")
    with pytest.raises(DataError, match="every file is empty"):
        analyze([empty, header_only], tmp_path / "out", data_dir=no_data)
    good = tmp_path / "good.csv"
    good.write_text(csv_text(), encoding="utf-8")
    res = analyze([empty, good], tmp_path / "out2", data_dir=no_data)
    assert res.summary["counts"]["empty_files"] == 1 and res.ads.height == 4
    with pytest.raises(DataError, match="input not found"):
        analyze(tmp_path / "nope.csv", tmp_path / "out3")
    with pytest.raises(DataError, match="unknown file type"):
        (tmp_path / "x.xml").write_text("<a/>")
        analyze(tmp_path / "x.xml", tmp_path / "out4")


def test_ids_are_made_when_absent(tmp_path: Path, no_data: Path) -> None:
    src = tmp_path / "noid.csv"
    src.write_text("date,text\n2021-01-01,hello\n2021-01-02,world\n", encoding="utf-8")
    res = analyze(src, None, data_dir=no_data)
    assert res.ads["id"].to_list() == ["noid.csv:1", "noid.csv:2"]
    assert res.out is None


@pytest.mark.parametrize(("values", "expected", "convention"), [
    (["2021-03-05", "2021/3/5", "2021.03.05", "20210305", "2021-03-05T10:00:00Z"],
     ["2021-03-05"] * 5, "n/a"),
    (["2021年3月5日", "2021年3月", "5 March 2021", "March 5, 2021", "1614902400"],
     ["2021-03-05", "2021-03-01", "2021-03-05", "2021-03-05", "2021-03-05"], "n/a"),
    (["25/12/2021", "05/03/2021"], ["2021-12-25", "2021-03-05"], "day/month/year (seen in the data)"),
    (["12/25/2021", "03/05/2021"], ["2021-12-25", "2021-03-05"], "month/day/year (seen in the data)"),
])
def test_date_formats(values: list[str], expected: list[str], convention: str) -> None:
    dates, reasons, conv = parse_dates(pl.Series(values), None)
    assert [str(d) for d in dates.to_list()] == expected
    assert reasons.null_count() == len(values)
    assert conv == convention


def test_explicit_date_format(tmp_path: Path) -> None:
    dates, reasons, _ = parse_dates(pl.Series(["05/03/2021", "2021-03-05"]), "%d/%m/%Y")
    assert str(dates[0]) == "2021-03-05" and reasons.to_list() == [None, "unparseable_date"]


def test_large_files_are_streamed_in_batches(tmp_path: Path, no_data: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Above the size threshold, UTF-8 CSV/JSONL and Parquet are scanned in batches; the result is
    the same as reading them whole (row numbers included), and a malformed file still quarantines
    its bad lines."""
    from neijuan.ads import ingest

    rows = [(f"r{i}", f"2022-0{1 + i % 9}-1{i % 10}", "Data Scientist",
             f"Build machine learning models, case {i}. MSc required.", "£50,000") for i in range(11)]
    src = tmp_path / "in"
    src.mkdir()
    csv = src / "big.csv"
    csv.write_text(csv_text(rows), encoding="utf-8")
    frame = pl.read_csv(csv, infer_schema=False)
    frame.with_columns(pl.col("id") + "j").write_ndjson(src / "big.jsonl")
    frame.with_columns(pl.col("id") + "p").write_parquet(src / "big.parquet")
    whole = analyze(src, src / "whole", data_dir=no_data)  # an output folder inside the input
    assert whole.summary["counts"]["files"] == 3
    monkeypatch.setattr(ingest, "LARGE_FILE_BYTES", 100)
    monkeypatch.setattr(ingest, "BATCH_ROWS", 3)
    streamed = analyze(src, src / "streamed", data_dir=no_data)  # "whole" is not read as input
    assert streamed.ads.drop("file").equals(whole.ads.drop("file"))
    assert all(m["batches"] == 4 for m in streamed.summary["inputs"])
    assert streamed.summary["counts"]["rows_read"] == 33
    assert streamed.summary["skipped_folders"] == [str((src / "whole").resolve())]
    bad = tmp_path / "bad" / "bad.csv"
    bad.parent.mkdir()
    bad.write_text(csv_text(rows) + '"x","2022-01-01","t","too","many","fields"\n', encoding="utf-8")
    res = analyze(bad, tmp_path / "bad_out", data_dir=no_data)
    assert res.ads.height == 11 and res.rejects["reason"].to_list() == ["malformed_csv"]


def test_unclosed_quote_rejects_its_row_and_recovers_the_rows_it_swallowed(
        tmp_path: Path, no_data: Path) -> None:
    csv = tmp_path / "quote.csv"
    csv.write_text(HEADER + '"q1","2021-01-01","t","first ad","1-2K"\n'
                   '"q2","2021-01-01","t","an unclosed quote starts here,\n'
                   '"q3","2021-01-02","t","swallowed ad one",""\n'
                   '"q4","2021-01-03","t","swallowed ad two",""\n'
                   '"q5","2021-01-04","t","multi-line\nbut properly quoted",""\n', encoding="utf-8")
    res = analyze([csv], tmp_path / "out", data_dir=no_data)
    c = res.summary["counts"]
    assert c["rows_read"] == c["ads"] + c["rejected"]
    assert sorted(res.ads["id"].to_list()) == ["q1", "q3", "q4", "q5"]
    bad = res.rejects.filter(pl.col("reason") == "unclosed_quote")
    assert bad.height == 1
    assert "line 3" in bad["detail"][0] and "swallowed" in bad["detail"][0]
    assert res.ads.filter(pl.col("id") == "q5")["text"][0].startswith("multi-line")


@pytest.mark.parametrize("big", [False, True])
def test_unclosed_quote_on_the_last_row(tmp_path: Path, no_data: Path, big: bool,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    if big:  # the streamed reader must not swallow rows either
        monkeypatch.setattr("neijuan.ads.ingest.LARGE_FILE_BYTES", 10)
    csv = tmp_path / "last.csv"
    csv.write_text(HEADER + '"z1","2021-01-01","t","fine",""\n'
                   '"z2","2021-01-01","t","never closed,\n'
                   '"z3","2021-01-02","t","swallowed",""\n', encoding="utf-8")
    res = analyze([csv], tmp_path / "out", data_dir=no_data)
    c = res.summary["counts"]
    assert c["rows_read"] == c["ads"] + c["rejected"] == 3
    assert res.ads["id"].to_list() == ["z1", "z3"]
    assert res.rejects["reason"].to_list() == ["unclosed_quote"]


@pytest.mark.parametrize("big", [False, True])
def test_duplicated_column_is_refused_by_name(tmp_path: Path, no_data: Path, big: bool,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    if big:
        monkeypatch.setattr("neijuan.ads.ingest.LARGE_FILE_BYTES", 10)
    csv = tmp_path / "dup.csv"
    csv.write_text('id,date,text,title,text\n1,2021-01-01,a,b,c\n', encoding="utf-8")
    with pytest.raises(DataError, match="names column 'text' twice \\(columns 3 and 5\\)"):
        analyze([csv], tmp_path / "out", data_dir=no_data)


@pytest.mark.parametrize("big", [False, True])
def test_a_stray_quote_closing_an_open_one_swallows_no_row(tmp_path: Path, no_data: Path,
                                                          big: bool,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A quote opened on one row and closed by a stray quote rows later leaves an even count of
    quotes; the rows between are recovered (not read silently as one multi-line text), while a
    real multi-line text whose lines hold commas is kept whole."""
    if big:
        monkeypatch.setattr("neijuan.ads.ingest.LARGE_FILE_BYTES", 10)
    csv = tmp_path / "stray.csv"
    csv.write_text("id,date,text\n"
                   "s1,2021-01-01,first\n"
                   's2,2021-01-01,"opened and never closed\n'
                   "s3,2021-01-02,swallowed one\n"
                   's4,2021-01-03,a stray" quote here\n'
                   's5,2021-01-04,"Skills\nsql,python,r"\n', encoding="utf-8")
    res = analyze([csv], tmp_path / "out", data_dir=no_data)
    c = res.summary["counts"]
    assert c["rows_read"] == c["ads"] + c["rejected"] == 5
    assert res.ads["id"].to_list() == ["s1", "s3", "s4", "s5"]
    assert res.rejects["reason"].to_list() == ["unclosed_quote"]
    assert "stray quote" in res.rejects["detail"][0]
    assert res.ads.filter(pl.col("id") == "s5")["text"][0] == "Skills\nsql,python,r"


def test_a_stray_quote_after_the_first_streamed_batch_is_a_clear_error(
        tmp_path: Path, no_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from neijuan.ads import ingest

    monkeypatch.setattr(ingest, "LARGE_FILE_BYTES", 10)
    monkeypatch.setattr(ingest, "BATCH_ROWS", 2)
    csv = tmp_path / "late.csv"
    csv.write_text("id,date,text\n" + "".join(f"a{i},2021-01-0{i + 1},ad {i}\n" for i in range(4))
                   + 'b1,2021-02-01,"opened\nb2,2021-02-02,swallowed"\nb3,2021-02-03,last\n',
                   encoding="utf-8")
    with pytest.raises(DataError, match=r"row 5, column 'text': a quote runs over lines"):
        analyze([csv], tmp_path / "out", data_dir=no_data)
