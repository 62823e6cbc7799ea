"""Published corpora are read in their own formats: GoEmotions' files (the 27 emotions, the
Ekman mapping, the sentiment groups) and CEDR's, so held-out splits are judged as given."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cxm.cli import main
from cxm.core.errors import ValidationError
from cxm.text.corpora import read_any, read_goemotions, read_goemotions_file

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "text"
FINE = (
    "admiration amusement anger annoyance approval caring confusion curiosity desire "
    "disappointment disapproval disgust embarrassment excitement fear gratitude grief joy "
    "love nervousness optimism pride realization relief remorse sadness surprise neutral"
)


def _goemotions(directory: Path, names: str, rows: list[tuple[str, str]], names_file: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / names_file).write_text("\n".join(names.split()) + "\n", encoding="utf-8")
    path = directory / "test.tsv"
    path.write_text("".join(f"{t}\t{ids}\tx{i}\n" for i, (t, ids) in enumerate(rows)), "utf-8")
    return path


def test_the_27_emotions_are_read_through_the_published_mapping(tmp_path: Path) -> None:
    names = FINE.split()
    ids = {n: str(i) for i, n in enumerate(names)}
    rows = [
        ("Thanks a lot!", ids["gratitude"]),  # joy (and itself), positive
        ("Meh, fine, whatever", ids["neutral"]),  # no emotion, neutral
        ("Love it but so annoying", f"{ids['love']},{ids['annoyance']}"),  # joy and anger, mixed
        ("Wait, what?", ids["confusion"]),  # surprise, ambiguous: no sentiment
        ("So nervous and sad", f"{ids['nervousness']},{ids['grief']}"),  # fear and sadness
    ]
    data = read_goemotions_file(_goemotions(tmp_path, FINE, rows, "emotions.txt"))
    assert data.emotions == [frozenset({"joy", "gratitude"}), frozenset(),
                             frozenset({"joy", "anger"}), frozenset({"surprise"}),
                             frozenset({"fear", "sadness"})]  # fmt: skip
    assert data.sentiment == ["positive", "neutral", None, None, "negative"]


def test_ekman_and_group_files_each_give_their_own_labels(tmp_path: Path) -> None:
    ekman = "anger disgust fear joy neutral sadness surprise"
    rows = [(f"text {i}", str(i % 7)) for i in range(35)] + [("both", "0,3")]
    path = _goemotions(tmp_path / "ekman", ekman, rows, "labels.txt")
    data = read_any(path, "emotion")
    assert data.emotions[4] == frozenset() and data.emotions[-1] == frozenset({"anger", "joy"})
    assert set(data.sentiment) == {None}
    with pytest.raises(ValidationError, match="labels emotions, not sentiment"):
        read_any(path, "sentiment")
    group = "ambiguous negative neutral positive"
    rows = [(f"text {i}", str(i % 4)) for i in range(24)] + [("mixed", "1,3")]
    data = read_any(_goemotions(tmp_path / "group", group, rows, "labels.txt"), "sentiment")
    assert data.sentiment[:4] == [None, "negative", "neutral", "positive"]
    assert data.sentiment[-1] is None and set(data.emotions) == {None}


def test_bad_corpus_rows_are_refused_naming_the_row(tmp_path: Path) -> None:
    cedr = tmp_path / "test.csv"
    cedr.write_text("text,labels,source\nДобре,[0],lj\nПогано,[1 7],lj\nНу,joy,lj\n", "utf-8")
    with pytest.raises(ValidationError) as refused:
        read_any(cedr, "emotion")
    assert [(f.index, f.field) for f in refused.value.faults] == [(2, "labels"), (3, "labels")]
    path = _goemotions(tmp_path / "ekman", "anger joy neutral", [("x", "0"), ("y", "9")],
                       "labels.txt")  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        read_any(path, "emotion")
    assert [(f.index, f.field, f.reason) for f in refused.value.faults] == [
        (2, "labels", "unknown label id 9")
    ]
    (tmp_path / "ekman" / "labels.txt").write_text("anger\ncalm\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="labels GoEmotions does not have: calm"):
        read_any(path, "emotion")
    (tmp_path / "ekman" / "labels.txt").unlink()
    with pytest.raises(ValidationError, match="no labels.txt or emotions.txt"):
        read_any(path, "emotion")


def test_cedr_files_are_judged_without_an_organization(tmp_path: Path) -> None:
    rows = ["Я так рада!,[0],lj", "Мне грустно.,[1],lj", "Это страшно.,[3],lj",
            "Бесит!,[4],lj", "Ого!,[2],lj", "Обычный день.,[],lj"] * 5  # fmt: skip
    cedr = tmp_path / "test.csv"
    cedr.write_text("text,labels,source\n" + "\n".join(rows) + "\n", encoding="utf-8")
    runner = CliRunner()
    asked = ["--data-dir", str(tmp_path / "data"), "text", "evaluate", "--task", "emotion"]
    shown = runner.invoke(main, [*asked, str(cedr), "--json"])
    assert shown.exit_code == 0, shown.output
    assert "No organization 'demo': the shipped model reads." in shown.output
    report = json.loads(shown.output.splitlines()[-1])
    assert report["n"] == 30
    assert set(report["per_class"]) == {"joy", "sadness", "fear", "anger", "surprise"}
    assert all(v["n"] == 5 for v in report["per_class"].values())


@pytest.mark.skipif(not SHARED.exists(), reason="the shared labelled data is not beside the repo")
def test_the_mapping_reproduces_the_published_ekman_and_group_files() -> None:
    fine = read_goemotions_file(SHARED / "goemotions" / "dev.tsv")
    both = read_goemotions(SHARED / "goemotions", "dev")
    assert len(fine) == len(both) == 5426
    # Gratitude and disappointment are kept beside the six they map onto.
    six = [e - {"gratitude", "disappointment"} for e in fine.emotions if e is not None]
    assert six == both.emotions and fine.sentiment == both.sentiment
    assert sum("gratitude" in (e or ()) for e in fine.emotions) == 358
