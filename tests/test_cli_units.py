"""`trivselsbot units …` and `trivselsbot baseline import` as HR runs them: real processes, real files."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from tests.support.cli_process import run_cli
from tests.support.db_inspection import tables


def trivselsbot(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(tmp_path / "cli.db", *args)


def test_import_export_and_bad_files_exit_1_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "org.yaml").write_text(
        "units:\n  - {key: Aarhus Kommune, name: Aarhus Kommune, leaders: [aad-1]}\n",
        encoding="utf-8",
    )
    done = trivselsbot(tmp_path, "units", "import", "org.yaml")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Imported 1 units from org.yaml: 1 new")
    before = tables(tmp_path / "cli.db")

    (tmp_path / "bad.csv").write_text(
        "key,name,parent\nCentre,Centre,Aarhus Kommune\nTeam,Team,Nowhere\n", encoding="utf-8"
    )
    done = trivselsbot(tmp_path, "units", "import", "bad.csv")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.splitlines() == [
        "Nothing was imported from bad.csv: line 3: field 'parent': unknown unit 'Nowhere' "
        "(not in the file or the bot)"
    ]
    (tmp_path / "scores.csv").write_text(
        "unit,dimension,score\nAarhus Kommune,justice,70\nAarhus Kommune,trust,101\n",
        encoding="utf-8",
    )
    done = trivselsbot(tmp_path, "baseline", "import", "scores.csv")
    assert done.returncode == 1
    assert done.stderr.startswith("Nothing was imported from scores.csv: line 3: field 'score'")
    assert tables(tmp_path / "cli.db") == before

    done = trivselsbot(tmp_path, "units", "export")
    assert yaml.safe_load(done.stdout) == {
        "units": [
            {
                "key": "Aarhus Kommune",
                "name": "Aarhus Kommune",
                "parent": None,
                "leaders": ["aad-1"],
            }
        ]
    }
    done = trivselsbot(tmp_path, "units")
    assert "'Aarhus Kommune'  members=0" in done.stdout


def test_pulse_start_from_the_command_line_refuses_a_second_round_while_one_is_open(
    tmp_path: Path,
) -> None:
    """The CLI goes through the same guard as HR's "start now" card: one open pulse per unit."""
    (tmp_path / "org.yaml").write_text(
        "units:\n  - {key: Hjemmeplejen, name: Hjemmeplejen, leaders: [aad-1]}\n",
        encoding="utf-8",
    )
    assert trivselsbot(tmp_path, "units", "import", "org.yaml").returncode == 0
    unit_id = trivselsbot(tmp_path, "units").stdout.split()[0]
    first = trivselsbot(tmp_path, "pulse", "start", "--unit", unit_id)
    assert first.returncode == 0, first.stderr
    second = trivselsbot(tmp_path, "pulse", "start", "--unit", unit_id)
    assert second.returncode == 1 and second.stdout == ""
    assert second.stderr.startswith("Refused: pulse already running (Hjemmeplejen)")
    assert len(tables(tmp_path / "cli.db")["pulse_rounds"]["rows"]) == 1


def test_pulse_commands_find_a_unit_by_the_one_lookup_and_never_guess_between_namesakes(
    tmp_path: Path,
) -> None:
    """`pulse --team/--unit` goes through storage's resolve_unit, as `audit` and the MED document
    do: an id, a Teams team id or a name only one unit has. Two units called "Hjemmeplejen" are
    refused by name (the command once took whichever the database returned first)."""
    (tmp_path / "org.yaml").write_text(
        "units:\n"
        "  - {key: Nord, name: Nord}\n"
        "  - {key: '19:nord@thread.tacv2', name: Hjemmeplejen, parent: Nord}\n"
        "  - {key: '19:syd@thread.tacv2', name: Hjemmeplejen}\n",
        encoding="utf-8",
    )
    assert trivselsbot(tmp_path, "units", "import", "org.yaml").returncode == 0

    ambiguous = trivselsbot(tmp_path, "pulse", "start", "--team", "Hjemmeplejen")
    assert ambiguous.returncode == 1 and ambiguous.stdout == ""
    assert ambiguous.stderr.strip() == "2 units are called 'Hjemmeplejen': use the unit id"
    unknown = trivselsbot(tmp_path, "pulse", "list", "--unit", "nowhere")
    assert unknown.returncode == 1
    assert unknown.stderr.strip() == "No such unit: see `trivselsbot units`."
    assert tables(tmp_path / "cli.db")["pulse_rounds"]["rows"] == []

    found = [
        trivselsbot(tmp_path, "pulse", "list", "--team", " Nord "),
        trivselsbot(tmp_path, "pulse", "list", "--team", "19:syd@thread.tacv2"),
    ]
    assert [done.returncode for done in found] == [0, 0], [done.stderr for done in found]
    assert [done.stdout for done in found] == ["", ""]  # found, and no rounds yet
