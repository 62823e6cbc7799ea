"""The dashboard's PDF report: its pages, Ukrainian text, embedded fonts and a chart."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from pypdf import PdfReader

from cxm.cli import main
from tests.worlds import World


def _fonts(reader: PdfReader) -> set[str]:
    found = set()
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            found.add(str(font.get_object()["/BaseFont"]))
    return found


def test_cli_writes_the_october_dashboard_of_the_demo_as_a_three_page_pdf(
    small_world: World, tmp_path: Path
) -> None:
    out = tmp_path / "october.pdf"
    ran = CliRunner().invoke(
        main,
        ["--data-dir", str(tmp_path), "--database-url", str(small_world.db.engine.url),
         "report", "pdf", "--period", "2026-10", "--out", str(out)],
    )  # fmt: skip
    assert ran.exit_code == 0, ran.output
    reader = PdfReader(out)
    assert len(reader.pages) == 3  # cards; trends; heatmap and league table
    first, trends, tables = (p.extract_text() for p in reader.pages)
    assert "Панель показників" in first and "Період: 2026-10" in first
    assert "Середній чек" in first and "Відтік" in first and "NPS" in first
    # The charts are SVG drawn on the server: their titles and ticks are text in the PDF.
    assert "По місяцях" in trends and "По тижнях" in trends and "2026-09" in trends
    assert (trends.count("\n") > 20) and "/XObject" in reader.pages[1]["/Resources"]
    assert "етап × канал" in tables and "покупка" in tables and "LVIV-1" in tables
    assert {f.split("+")[-1] for f in _fonts(reader)} == {"DejaVu-Sans", "DejaVu-Sans-Bold"}
