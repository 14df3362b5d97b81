"""Tests for the formula grammar: reading, precedence, errors with positions, writing back, and
evaluation with NumPy; nothing may reach Python's eval, exec or compile."""

import ast
import builtins
import inspect
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.engine import formula
from simulator.engine.formula import (
    FUNCTIONS,
    MAX_DEPTH,
    MAX_LENGTH,
    Binary,
    Call,
    FormulaError,
    Name,
    Number,
    Signed,
    evaluate,
    parse,
    to_text,
)

NAMES = ["X1", "X2"]
X1 = np.array([-2.0, -0.5, 0.0, 0.5, 3.0])
X2 = np.array([1.0, 2.0, -3.0, 0.25, 4.0])
COLUMNS = {"X1": X1, "X2": X2}


def value(text: str, names=NAMES, columns=COLUMNS) -> np.ndarray:
    return evaluate(parse(text, names), columns)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("X1*X2 + sin(3*X1)", X1 * X2 + np.sin(3 * X1)),
        ("sqrt(X1^2 + X2^2)", np.sqrt(X1**2 + X2**2)),
        ("-X1^2", -(X1**2)),  # the power binds tighter than the sign, as in maths
        ("(-X1)^2", X1**2),
        ("2^3^2", np.full(5, 512.0)),  # right-associative: 2^(3^2), not (2^3)^2 = 64
        ("X1 - X2 - 1", (X1 - X2) - 1),  # left-associative
        ("X1 / X2 / 2", (X1 / X2) / 2),
        ("1 + 2*3", np.full(5, 7.0)),
        ("(1 + 2)*3", np.full(5, 9.0)),
        ("2^-1", np.full(5, 0.5)),
        ("--X1", X1),
        ("+X1", X1),
        ("1e-3*X1 + .5 + 2.", 1e-3 * X1 + 0.5 + 2.0),
        (
            "abs(X1) + tanh(X2) + exp(X1/10) + cos(X2) + tan(X1/10)",
            np.abs(X1) + np.tanh(X2) + np.exp(X1 / 10) + np.cos(X2) + np.tan(X1 / 10),
        ),
        ("log(1 + X1^2)", np.log(1 + X1**2)),
        ("3", np.full(5, 3.0)),  # a formula of numbers alone still gives one value per row
    ],
)
def test_values_precedence_and_associativity(text: str, expected: np.ndarray) -> None:
    out = value(text)
    assert out.dtype == np.float64
    assert out.shape == (5,)
    np.testing.assert_allclose(out, expected, rtol=1e-15, atol=0)


def test_unicode_operators_read_as_ascii_ones() -> None:
    np.testing.assert_array_equal(value("X1 × X2 − X1 ÷ 4 · X2"), value("X1*X2 - X1/4*X2"))
    assert parse("X1 × X2 − 1", NAMES).canonical == "X1*X2 - 1"


def test_names_with_spaces_are_written_in_backquotes() -> None:
    names = ["tail length", "mass"]
    parsed = parse("`tail length` * mass", names)
    assert parsed.inputs == ("tail length", "mass")
    assert parsed.canonical == "`tail length`*mass"
    out = evaluate(parsed, {"tail length": np.array([2.0]), "mass": np.array([3.0])})
    np.testing.assert_array_equal(out, [6.0])


def test_a_column_named_like_a_function_is_a_name_unless_called() -> None:
    parsed = parse("sin(sin)", ["sin"])
    np.testing.assert_array_equal(evaluate(parsed, {"sin": np.array([1.0])}), [math.sin(1.0)])


def test_tree_shape() -> None:
    tree = parse("-X1^2 + sin(3)", NAMES).tree
    assert isinstance(tree, Binary)
    assert tree.operator == "+"
    assert isinstance(tree.left, Signed)
    assert isinstance(tree.left.operand, Binary)
    assert tree.left.operand.operator == "^"
    assert isinstance(tree.right, Call)
    assert tree.right.function == "sin"
    assert tree.right.argument == Number(3.0, 12)


def test_inputs_in_order_of_first_use() -> None:
    assert parse("X2 + X1*X2", NAMES).inputs == ("X2", "X1")
    assert parse("2", NAMES).inputs == ()


@pytest.mark.parametrize(
    ("text", "position", "words"),
    [
        ("X1 + )", 5, 'unexpected ")"'),
        ("X1)", 2, 'no "(" before it'),
        ("(X1 + 1", 0, '"(" is not closed'),
        ("sin(X1", 3, '"(" is not closed'),
        ("X3 + 1", 0, 'unknown input "X3"'),
        ("1 + foo(X1)", 4, 'unknown function "foo"'),
        ("X1 +", 4, "found the end of the formula"),
        ("3X1", 1, "write * between factors"),
        ("X1 $ 2", 3, 'unexpected character "$"'),
        ("", 0, "empty"),
        ("   ", 0, "empty"),
        ("`tail", 0, "not closed"),
        ("1e999", 0, "too large"),
        ("sin", 0, "sin is a function"),
        ("X1 ** 2", 4, "expected a number"),
        ("sin(X1, X2)", 6, 'unexpected character ","'),
    ],
)
def test_errors_name_the_position(text: str, position: int, words: str) -> None:
    with pytest.raises(FormulaError) as caught:
        parse(text, NAMES)
    error = caught.value
    assert error.position == position
    assert words in str(error)
    # Messages count characters from 1, as a person does.
    assert f"(at character {position + 1})" in str(error)
    assert isinstance(error, ValueError)


def test_unknown_input_lists_the_inputs() -> None:
    with pytest.raises(FormulaError, match="the inputs are X1, X2"):
        parse("X1 + X3", NAMES)
    with pytest.raises(FormulaError, match="the inputs are `tail length`"):
        parse("tail", ["tail length"])


def test_length_and_depth_limits_never_reach_a_recursion_error() -> None:
    with pytest.raises(FormulaError, match=f"at most {MAX_LENGTH} characters"):
        parse("X1+" * 200 + "X1", NAMES)
    with pytest.raises(FormulaError, match="nested more than"):
        parse("(" * (MAX_DEPTH + 1) + "X1" + ")" * (MAX_DEPTH + 1), NAMES)
    with pytest.raises(FormulaError, match="nested more than"):
        parse("-" * 400 + "X1", NAMES)
    with pytest.raises(FormulaError, match="nested more than"):
        parse("sin(" * 60 + "X1" + ")" * 60, NAMES)
    nested = "(" * (MAX_DEPTH - 1) + "X1" + ")" * (MAX_DEPTH - 1)
    np.testing.assert_array_equal(value(nested), X1)
    # A long chain of operators is read, written and evaluated...
    chain = "+".join(["X1"] * 100)
    parsed = parse(chain, NAMES)
    assert len(parsed.canonical) <= MAX_LENGTH
    assert parse(parsed.canonical, NAMES).canonical == parsed.canonical
    np.testing.assert_allclose(evaluate(parsed, COLUMNS), 100 * X1)
    # ... unless its canonical form (spaces around +) would be too long to read back.
    with pytest.raises(FormulaError, match="written with spaces"):
        parse("+".join(["X1"] * 166), NAMES)


def test_canonical_form() -> None:
    for text, canonical in [
        ("X1  *X2+sin( 3 * X1 )", "X1*X2 + sin(3*X1)"),
        ("((X1))", "X1"),
        ("X1 - (X2 - 1)", "X1 - (X2 - 1)"),
        ("(X1 - X2) - 1", "X1 - X2 - 1"),
        ("(X1 + X2) * 2", "(X1 + X2)*2"),
        ("X1^(2^3)", "X1^2^3"),
        ("(X1^2)^3", "(X1^2)^3"),
        ("-(X1^2)", "-X1^2"),
        ("2.50", "2.5"),
        ("1e-3", "0.001"),
    ]:
        assert parse(text, NAMES).canonical == canonical


def test_substituted_values_get_parentheses_when_negative() -> None:
    tree = parse("X1^2 + X2", NAMES).tree
    assert to_text(tree, {"X1": "-1.5", "X2": "2"}) == "(-1.5)^2 + 2"


# ----- values that are not finite ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "part", "position", "kind", "row"),
    [
        ("1 + log(X1)", "log(X1)", 4, "not a number", "row 1 of the data, where X1 = -2"),
        ("sqrt(X1) * 2", "sqrt(X1)", 0, "not a number", "row 1 of the data, where X1 = -2"),
        ("X2 + 1/X1", "1/X1", 6, "infinite", "row 3 of the data, where X2 = -3, X1 = 0"),
        ("exp(X2*1000)", "exp(X2*1000)", 0, "infinite", "row 1 of the data, where X2 = 1"),
        ("log(X1 - X1)", "log(X1 - X1)", 0, "infinite", "row 1 of the data, where X1 = -2"),
    ],
)
def test_non_finite_values_name_the_part_and_a_row(text, part, position, kind, row) -> None:
    parsed = parse(text, NAMES)
    # Unchecked, the values come as they are (for pictures over a whole plane).
    assert not np.all(np.isfinite(evaluate(parsed, COLUMNS)))
    with pytest.raises(FormulaError) as caught:
        evaluate(parsed, COLUMNS, check=True)
    message = str(caught.value)
    assert caught.value.position == position
    assert message.startswith(f"{part} is {kind}")
    assert f"on {row} (at character {position + 1})" in message


def test_finite_values_pass_the_check() -> None:
    out = evaluate(parse("sqrt(X1^2)", NAMES), COLUMNS, check=True)
    np.testing.assert_array_equal(out, np.abs(X1))


# ----- random text: every string parses or is refused with a position ------------------------

ALPHABET = "0123456789.eEX12sincoqrtaxplgbh_ +-*/^()`×÷−·é,$\t\n²∞"


def _columns() -> dict[str, np.ndarray]:
    return {"X1": np.linspace(-3.0, 3.0, 7), "X2": np.linspace(2.0, -4.0, 7)}


@settings(max_examples=600, deadline=None)
@given(
    st.one_of(
        st.text(alphabet=ALPHABET, max_size=60),
        st.text(max_size=40),  # any Unicode at all
        st.lists(
            st.sampled_from(
                ["X1", "X2", "sin", "sqrt", "(", ")", "+", "-", "^", "*", "/", "2", ".5"]
            ),
            max_size=30,
        ).map("".join),
    )
)
def test_random_text_parses_or_is_refused_with_a_position(text: str) -> None:
    refusal = None
    try:
        parsed = parse(text, NAMES)
    except FormulaError as error:
        refusal = error
    if refusal is not None:
        assert refusal.reason
        assert 0 <= refusal.position <= len(text)
        return
    # What parses evaluates to an array, or is refused for values that are not finite.
    out = None
    try:
        out = evaluate(parsed, _columns(), check=True)
    except FormulaError as error:
        refusal = error
    if refusal is not None:
        assert 0 <= refusal.position < len(text)
        assert " is infinite" in str(refusal) or " is not a number" in str(refusal)
    else:
        assert out.shape == (7,)
        assert np.all(np.isfinite(out))
    assert parse(parsed.canonical, NAMES).canonical == parsed.canonical


# ----- random trees: written out and read back, they give the same values bit for bit ----------

_numbers = st.floats(0.0, 1e300, allow_nan=False, allow_infinity=False).map(lambda v: Number(v, 0))
_leaves = st.one_of(_numbers, st.sampled_from(NAMES).map(lambda name: Name(name, 0)))


def _extend(children):
    return st.one_of(
        st.builds(lambda a: Signed(a, 0), children),
        st.builds(lambda f, a: Call(f, a, 0), st.sampled_from(sorted(FUNCTIONS)), children),
        st.builds(
            lambda op, a, b: Binary(op, a, b, 0), st.sampled_from("+-*/^"), children, children
        ),
    )


_trees = st.recursive(_leaves, _extend, max_leaves=12)


def _signature(node) -> tuple:
    """A tree without its positions, to compare the meaning of two parses."""
    if isinstance(node, Number):
        return ("number", node.value)
    if isinstance(node, Name):
        return ("name", node.name)
    if isinstance(node, Signed):
        return ("signed", _signature(node.operand))
    if isinstance(node, Call):
        return ("call", node.function, _signature(node.argument))
    return ("binary", node.operator, _signature(node.left), _signature(node.right))


@settings(max_examples=300, deadline=None)
@given(_trees)
def test_written_trees_read_back_as_the_same_tree(tree) -> None:
    text = to_text(tree)
    parsed = parse(text, NAMES)
    assert _signature(parsed.tree) == _signature(tree)
    original = formula.Formula(text, tree, tuple(NAMES))
    np.testing.assert_array_equal(evaluate(parsed, _columns()), evaluate(original, _columns()))


# ----- never Python's own evaluation -------------------------------------------------------


def test_the_module_never_names_eval_exec_or_compile() -> None:
    tree = ast.parse(inspect.getsource(formula))
    forbidden = {"eval", "exec", "compile", "__import__", "getattr", "globals", "locals", "vars"}
    used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    assert not used & forbidden


def test_parsing_and_evaluating_never_call_eval_exec_or_compile(monkeypatch) -> None:
    def refuse(*_args, **_kwargs):
        raise AssertionError("Python's own evaluation was reached")

    for name in ("eval", "exec", "compile"):
        monkeypatch.setattr(builtins, name, refuse)
    for text in ["X1*X2 + sin(3*X1)", "__import__('os')", "X1.real", "(lambda: 1)()", "[X1]"]:
        try:
            parsed = parse(text, NAMES)
        except FormulaError:
            continue
        evaluate(parsed, COLUMNS, check=True)
    with pytest.raises(FormulaError):
        parse("__import__('os').system('true')", NAMES)
