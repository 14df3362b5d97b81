"""New from data without Qt: reading tables (delimiters, decimal commas, headers, workbooks),
what each column holds, the task, the rows that cannot be used, one-hot inputs, the split and
the scenario built through the loader's checks."""

from __future__ import annotations

import dataclasses
import sys

import numpy as np
import pytest

from simulator.app.session import Simulation
from simulator.app.storage import ScenarioError
from simulator.app.table_import import (
    PASTED,
    ImportChoices,
    TableImportError,
    analyse_columns,
    build_scenario,
    detected_task,
    parse_table_text,
    plan_import,
    problems_summary,
    propose_choices,
    read_table_file,
    scenario_dict,
    simulation_from_table,
    split_rows,
)

PENGUINS = """species,island,bill_length,body_mass
Adelie,Torgersen,39.1,3750
Adelie,Biscoe,38.2,3400
Gentoo,Biscoe,46.5,5000
Gentoo,Biscoe,48.7,5350
Chinstrap,Dream,49.0,3800
Chinstrap,Dream,50.5,3950
Adelie,Dream,37.0,3300
Gentoo,Biscoe,47.2,5200
"""


def _info(table, name):
    return next(info for info in analyse_columns(table) if info.name == name)


def test_comma_file_with_a_header_and_text_target_is_classified():
    table = parse_table_text(PENGUINS, "penguins.csv")
    assert table.delimiter == ","
    assert not table.decimal_comma
    assert table.has_header
    assert table.header == ("species", "island", "bill_length", "body_mass")
    assert len(table.rows) == 8
    assert table.lines[0] == 2  # data starts on the file's second line

    species = _info(table, "species")
    assert species.kind == "category"
    assert species.values == ("Adelie", "Chinstrap", "Gentoo")
    assert detected_task(species) == "classification"
    assert _info(table, "bill_length").kind == "numeric"

    choices = propose_choices(table)
    # The island is the last text column; the learner is shown it and picks species instead.
    assert choices.target == "island"
    choices = dataclasses.replace(
        choices, target="species", inputs=("island", "bill_length", "body_mass")
    )
    plan = plan_import(table, choices)
    assert plan.classes == ("Adelie", "Chinstrap", "Gentoo")
    assert plan.feature_names == (
        "island=Biscoe",
        "island=Dream",
        "island=Torgersen",
        "bill_length",
        "body_mass",
    )
    assert plan.inputs.shape == (8, 5)
    np.testing.assert_array_equal(plan.inputs[0], [0, 0, 1, 39.1, 3750])
    assert plan.targets.shape == (8, 3)  # one-hot, softmax
    np.testing.assert_array_equal(plan.targets[4], [0, 1, 0])


def test_semicolon_file_with_decimal_commas_reads_numbers():
    text = "x;y;label\n1,5;-2,25;a\n3,0;4;b\n0,125;1e2;a\n"
    table = parse_table_text(text, "comma.csv")
    assert table.delimiter == ";"
    assert table.decimal_comma
    choices = ImportChoices(inputs=("x", "y"), target="label")
    plan = plan_import(table, choices)
    np.testing.assert_array_equal(plan.inputs, [[1.5, -2.25], [3.0, 4.0], [0.125, 100.0]])
    np.testing.assert_array_equal(plan.targets, [[0], [1], [0]])  # two classes: one sigmoid


def test_decimal_comma_can_be_turned_off_and_then_cells_are_text():
    text = "x;y\n1,5;1\n2,5;2\n"
    assert not parse_table_text(text, delimiter=";", decimal_comma=False).decimal_comma
    table = parse_table_text(text, decimal_comma=False)
    assert _info(table, "x").kind == "category"


def test_pasted_spreadsheet_range_is_tab_separated_without_header():
    text = "1\t2\tyes\r\n3\t4\tno\r\n5\t6\tyes\r\n"
    table = parse_table_text(text)
    assert table.source == PASTED
    assert table.delimiter == "\t"
    assert not table.has_header  # the first row holds numbers: it is data
    assert table.header == ("column 1", "column 2", "column 3")
    assert len(table.rows) == 3
    choices = propose_choices(table)
    assert choices.target == "column 3"
    assert choices.inputs == ("column 1", "column 2")


def test_short_rows_are_padded_and_stray_trailing_columns_dropped():
    table = parse_table_text("a\tb\tc\t\n1\t2\n3\t4\t5\t\n")
    assert table.header == ("a", "b", "c")
    assert table.rows == (("1", "2", ""), ("3", "4", "5"))


def test_duplicate_and_empty_header_names_are_made_unique():
    table = parse_table_text("a,a,,b\nx,y,z,w\n", has_header=True)
    assert table.header == ("a", "a (2)", "column 3", "b")


def test_whole_number_targets_with_few_values_are_classes_others_regression():
    text = "x,k,y,n\n1,0,0.5,10\n2,1,1.5,20\n3,2,2.5,30\n4,1,3.25,40\n5,0,1,50\n6,2,2,60\n"
    table = parse_table_text(text)
    assert detected_task(_info(table, "k")) == "classification"
    assert detected_task(_info(table, "y")) == "regression"
    # Whole numbers, but each found once: six sizes, not six classes.
    assert detected_task(_info(table, "n")) == "regression"
    plan = plan_import(table, ImportChoices(inputs=("x",), target="k"))
    assert plan.classes == ("0", "1", "2")
    plan = plan_import(table, ImportChoices(inputs=("x",), target="y", task="regression"))
    assert plan.classes is None
    np.testing.assert_array_equal(plan.targets.ravel(), [0.5, 1.5, 2.5, 3.25, 1, 2])


def test_text_target_cannot_be_a_regression():
    table = parse_table_text(PENGUINS, "penguins.csv")
    choices = ImportChoices(inputs=("bill_length",), target="species", task="regression")
    with pytest.raises(TableImportError, match=r'penguins\.csv: column "species" holds text'):
        plan_import(table, choices)


def test_many_valued_text_column_is_refused_as_an_input_with_its_name():
    names = "\n".join(f"name{i},{i},{i % 2}" for i in range(30))
    table = parse_table_text("who,x,y\n" + names, "people.csv")
    assert _info(table, "who").kind == "text"
    assert "who" not in propose_choices(table).inputs
    with pytest.raises(TableImportError, match=r'people\.csv: column "who" holds text with 30'):
        plan_import(table, ImportChoices(inputs=("who", "x"), target="y"))


MISSING = """a,b,target
1,2,0.5
,3,1.0
4,NA,1.5
5,six,2.0
7,8,
9,10,3.0
"""


def test_rows_with_missing_or_non_numeric_cells_are_skipped_and_counted():
    table = parse_table_text(MISSING, "holes.csv")
    choices = ImportChoices(inputs=("a", "b"), target="target", task="regression")
    plan = plan_import(table, choices)
    assert [(p.line, p.column, p.why) for p in plan.skipped] == [
        (3, "a", "missing"),
        (4, "b", "missing"),
        (5, "b", "not a number"),
        (6, "target", "missing"),
    ]
    assert plan.kept_lines == (2, 7)
    np.testing.assert_array_equal(plan.inputs, [[1, 2], [9, 10]])
    assert problems_summary(plan.skipped) == (
        '4 rows have missing or non-numeric cells (the first: line 3, column "a" is empty)'
    )


def test_rows_with_problems_are_refused_when_the_user_says_so():
    table = parse_table_text(MISSING, "holes.csv")
    choices = ImportChoices(
        inputs=("a", "b"), target="target", task="regression", skip_bad_rows=False
    )
    with pytest.raises(TableImportError, match=r"holes\.csv: 4 rows .* line 3, column \"a\""):
        plan_import(table, choices)


def test_a_column_left_out_of_the_inputs_does_not_cost_rows():
    table = parse_table_text(MISSING, "holes.csv")
    choices = ImportChoices(inputs=("a",), target="target", task="regression")
    assert [p.line for p in plan_import(table, choices).skipped] == [3, 6]


def test_split_is_seeded_and_keeps_every_row_once():
    train, test = split_rows(10, 0.7, seed=3)
    assert len(train) == 7
    assert len(test) == 3
    assert sorted([*train, *test]) == list(range(10))
    again = split_rows(10, 0.7, seed=3)
    np.testing.assert_array_equal(train, again[0])
    assert not np.array_equal(train, split_rows(10, 0.7, seed=4)[0])
    assert len(split_rows(1, 0.5, 0)[0]) == 1  # never an empty training set


@pytest.mark.parametrize(
    ("target", "task", "units", "activation", "loss"),
    [
        ("species", "classification", 3, "softmax", "cross_entropy"),
        ("two", "classification", 1, "sigmoid", "bce"),
        ("body_mass", "regression", 1, "linear", "mse"),
    ],
)
def test_proposed_network_fits_the_task(target, task, units, activation, loss):
    text = PENGUINS.replace("body_mass\n", "body_mass,two\n")
    lines = text.splitlines()
    text = "\n".join([lines[0]] + [f"{line},{'ab'[i % 2]}" for i, line in enumerate(lines[1:])])
    table = parse_table_text(text, "penguins.csv")
    inputs = tuple(n for n in ("island", "bill_length", "body_mass") if n != target)
    choices = ImportChoices(inputs=inputs, target=target, task=task, hidden_units=6, seed=2)
    scenario, plan = build_scenario(table, choices)
    assert [layer.units for layer in scenario.network.layers] == [6, units]
    assert scenario.network.layers[-1].activation == activation
    assert scenario.training.loss == loss
    assert scenario.training.task == task
    assert scenario.data.scaling.method == "standardize"
    assert scenario.data.columns == plan.feature_names
    assert len(scenario.data.train_inputs) + len(scenario.data.test_inputs) == 8
    assert scenario.title == f"penguins: predict {target}"
    assert scenario.source_path is None


def test_built_scenario_trains_and_the_loss_falls():
    rng = np.random.default_rng(0)
    points = rng.normal(size=(80, 2))
    labels = np.where(points[:, 0] + points[:, 1] > 0, "up", "down")
    rows = [
        f"{x:.4f};{y:.4f};{label}".replace(".", ",")
        for (x, y), label in zip(points, labels, strict=True)
    ]
    table = parse_table_text("x;y;side\n" + "\n".join(rows), "side.csv")
    scenario, _ = build_scenario(table, propose_choices(table))
    simulation = Simulation(scenario)
    assert simulation.classification
    first = simulation.evaluate()[0].loss
    simulation.train_epochs(40)
    train = simulation.evaluate()[0]
    assert train.loss < 0.5 * first
    assert train.accuracy > 0.9


def test_description_says_where_the_data_came_from_and_what_was_skipped(tmp_path):
    path = tmp_path / "holes.csv"
    path.write_text(MISSING)
    table = read_table_file(path)
    choices = ImportChoices(inputs=("a", "b"), target="target", task="regression")
    scenario, _ = build_scenario(table, choices)
    assert str(path) in scenario.description
    assert "4 rows left out" in scenario.description
    assert "line 3" in scenario.description


def test_scenario_dict_holds_the_data_inline_with_the_chosen_split():
    table = parse_table_text(PENGUINS, "penguins.csv")
    choices = ImportChoices(
        inputs=("bill_length",), target="species", train_fraction=0.5, seed=1, scaling="none"
    )
    obj = scenario_dict(table, choices, plan_import(table, choices))
    assert len(obj["data"]["train"]["inputs"]) == 4
    assert len(obj["data"]["test"]["inputs"]) == 4
    assert obj["data"]["classes"] == ["Adelie", "Chinstrap", "Gentoo"]
    assert obj["data"]["scaling"] == {"method": "none"}
    assert "csv" not in obj["data"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the table is empty"),
        ('a,b\n"1,2\n', "not a valid table"),
    ],
)
def test_unreadable_tables_give_a_message_naming_the_source(text, message):
    with pytest.raises(TableImportError, match=message) as caught:
        parse_table_text(text, "bad.csv")
    assert str(caught.value).startswith("bad.csv: ")


def test_a_header_alone_is_refused():
    with pytest.raises(TableImportError, match=r"^bad\.csv: the table has a header but no data"):
        parse_table_text("a,b\n", "bad.csv", has_header=True)


def test_single_class_target_is_refused():
    table = parse_table_text("x,y\n1,a\n2,a\n", "one.csv")
    with pytest.raises(TableImportError, match=r'column "y" has only one class'):
        plan_import(table, ImportChoices(inputs=("x",), target="y"))


def test_files_read_as_utf8_or_windows_1252(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("größe;Stadt\n1,5;Köln\n2,5;Zürich\n".encode("cp1252"))
    table = read_table_file(path)
    assert table.header == ("größe", "Stadt")
    assert table.rows[0] == ("1,5", "Köln")
    assert table.path == path


def test_binary_or_missing_files_are_refused_by_name(tmp_path):
    with pytest.raises(TableImportError, match=r"^gone\.csv: "):
        read_table_file(tmp_path / "gone.csv")
    (tmp_path / "blob.csv").write_bytes(b"\x00\x01\x02abc")
    with pytest.raises(TableImportError, match=r"^blob\.csv: not a text table"):
        read_table_file(tmp_path / "blob.csv")


def test_xlsx_first_sheet_or_a_chosen_one(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    first = workbook.active
    first.title = "notes"
    first.append(["kind", "size", "weight"])
    first.append(["cat", 4.5, 3])
    first.append(["dog", 20.25, 12])
    first.append([None, None, None])  # a blank row is skipped
    first.append(["cat", 5, 4])
    second = workbook.create_sheet("numbers")
    second.append([1, 2])
    second.append([3, 4])
    path = tmp_path / "pets.xlsx"
    workbook.save(path)

    table = read_table_file(path)
    assert table.sheets == ("notes", "numbers")
    assert table.sheet == "notes"
    assert table.delimiter is None
    assert table.header == ("kind", "size", "weight")
    assert table.rows == (("cat", "4.5", "3"), ("dog", "20.25", "12"), ("cat", "5", "4"))
    assert table.lines == (2, 3, 5)
    other = read_table_file(path, sheet="numbers")
    assert other.sheet == "numbers"
    assert not other.has_header
    with pytest.raises(TableImportError, match=r"pets\.xlsx: no sheet named 'nope'"):
        read_table_file(path, sheet="nope")


def test_xlsx_without_openpyxl_says_how_to_install_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "openpyxl", None)  # import now fails as if not installed
    path = tmp_path / "book.xlsx"
    path.write_bytes(b"PK")
    with pytest.raises(TableImportError, match=r"book\.xlsx: .*openpyxl.*nnsim\[xlsx\]"):
        read_table_file(path)


def test_a_table_the_loader_refuses_gives_its_message_naming_the_table():
    # 1,025 input columns: the cleaning works, the scenario's checks refuse (at most 1,024).
    header = ",".join(f"c{i}" for i in range(1025)) + ",y"
    rows = [",".join(str(i + r) for i in range(1025)) + f",{r % 2}" for r in range(4)]
    table = parse_table_text("\n".join([header, *rows]), "wide.csv")
    choices = propose_choices(table)
    assert len(plan_import(table, choices).feature_names) == 1025
    with pytest.raises(TableImportError, match=r"^wide\.csv: network\.inputs"):
        build_scenario(table, choices)
    with pytest.raises(ScenarioError) as caught:
        simulation_from_table(table, choices)
    assert caught.value.file == "wide.csv"
    assert str(caught.value).startswith("wide.csv: network.inputs")


def test_a_large_regression_target_is_divided_by_a_power_of_ten_and_then_trains():
    rng = np.random.default_rng(5)
    rooms = rng.integers(1, 7, size=120)
    area = rng.uniform(30, 200, size=120)
    price = 40_000 * rooms + 1_500 * area + rng.normal(0, 5_000, size=120)
    lines = ["rooms,area,price"] + [
        f"{r},{a:.1f},{p:.0f}" for r, a, p in zip(rooms, area, price, strict=True)
    ]
    table = parse_table_text("\n".join(lines), "houses.csv")
    choices = propose_choices(table)
    assert choices.target == "price"
    assert choices.task == "regression"
    assert choices.target_divisor == 100_000.0  # up to ~560,000 → at most 10
    plan = plan_import(table, choices)
    assert np.abs(plan.targets).max() <= 10
    np.testing.assert_allclose(plan.targets[:, 0] * 100_000, np.round(price), atol=0.5)

    scenario, _ = build_scenario(table, choices)
    assert "divided by 100,000" in scenario.description
    simulation = Simulation(scenario)
    first = simulation.evaluate()[0].loss
    simulation.train_epochs(60)
    assert simulation.evaluate()[0].loss < 0.1 * first

    small = parse_table_text("x,y\n1,0.5\n2,9.5\n3,-10\n")
    assert propose_choices(small).target_divisor == 1.0
    with pytest.raises(TableImportError, match="divisor"):
        plan_import(table, dataclasses.replace(choices, target_divisor=0.0))
