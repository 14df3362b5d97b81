"""Formulas of the raw inputs (`X1*X2 + sin(3*X1)`): a small grammar of its own, parsed into a
tree and evaluated with NumPy. Nothing is ever handed to Python's eval, exec or compile.

Grammar (lowest precedence first; `^` binds tighter than a leading minus, as in maths, so
`-X1^2` is `-(X1^2)`, and is right-associative, so `2^3^2` is `2^(3^2)`):

    sum     := product (("+" | "-") product)*
    product := signed (("*" | "/") signed)*
    signed  := ("+" | "-") signed | power
    power   := atom ("^" signed)?
    atom    := number | name | function "(" sum ")" | "(" sum ")"

Numbers are decimal with an optional exponent (`3`, `0.5`, `.5`, `1e-3`). A name is an input's
name written as it is when it is an identifier (letters, digits and `_`, not starting with a
digit: `X1`, `tail_length`), or between backquotes otherwise (`` `tail length` ``). A name
followed by `(` is a function: sin cos tan exp log sqrt abs tanh (log is the natural
logarithm). `×` and `·` are read as `*`, `÷` as `/`, `−` as `-`.

Positions in FormulaError count characters of the text from 0; messages count from 1, as a
person does ("(at character 4)").
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

MAX_LENGTH = 500
# Parentheses, function calls and signs nested deeper than this are refused, which keeps the
# parser's recursion far from Python's limit whatever the text.
MAX_DEPTH = 50

FUNCTIONS = {
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "abs": np.abs,
    "tanh": np.tanh,
}
_BINARY = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide, "^": np.power}
_SYNONYMS = {"×": "*", "·": "*", "÷": "/", "−": "-"}
# How tightly each kind of node binds, for printing with no more parentheses than needed.
_SUM, _PRODUCT, _SIGNED, _POWER, _ATOM = 1, 2, 3, 4, 5
_PRECEDENCE = {"+": _SUM, "-": _SUM, "*": _PRODUCT, "/": _PRODUCT, "^": _POWER}

_NUMBER = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_IDENTIFIER = re.compile(r"[^\W\d]\w*")


class FormulaError(ValueError):
    """A formula that cannot be used: `reason` says why, `position` where (0-based index into
        the text; the length of the text for its end), `hint` what would be allowed. str() reads
    "reason (at character N); hint", counting characters from 1."""

    def __init__(self, reason: str, position: int, hint: str = "") -> None:
        self.reason = reason
        self.position = position
        self.hint = hint
        text = f"{reason} (at character {position + 1})"
        super().__init__(f"{text}; {hint}" if hint else text)


# ----- the tree -----------------------------------------------------------------------------


class Number(NamedTuple):
    value: float
    position: int


class Name(NamedTuple):
    name: str
    position: int


class Signed(NamedTuple):
    """A leading minus (a leading plus leaves no node)."""

    operand: Node
    position: int


class Binary(NamedTuple):
    operator: str  # one of + - * / ^
    left: Node
    right: Node
    position: int


class Call(NamedTuple):
    function: str  # a key of FUNCTIONS
    argument: Node
    position: int


Node = Number | Name | Signed | Binary | Call


@dataclass(frozen=True)
class Formula:
    """A parsed formula: `text` as written, `tree` its parse, `inputs` the input names it
    uses (in order of first use)."""

    text: str
    tree: Node
    inputs: tuple[str, ...]

    @property
    def canonical(self) -> str:
        """The formula written the one way nnsim writes it (`X1*X2 + sin(3*X1)`); parsing it
        gives the same tree, so the same values bit for bit."""
        return to_text(self.tree)


# ----- reading ------------------------------------------------------------------------------


class _Token(NamedTuple):
    kind: str  # "number", "name", "quoted", "op", "(", ")", "end"
    text: str
    position: int


def _tokens(text: str) -> list[_Token]:
    tokens = []
    i = 0
    while i < len(text):
        char = text[i]
        if char.isspace():
            i += 1
        elif char in "+-*/^" or char in _SYNONYMS:
            tokens.append(_Token("op", _SYNONYMS.get(char, char), i))
            i += 1
        elif char in "()":
            tokens.append(_Token(char, char, i))
            i += 1
        elif char == "`":
            end = text.find("`", i + 1)
            if end < 0:
                raise FormulaError("a name opened with ` is not closed", i)
            if end == i + 1:
                raise FormulaError("empty name ``", i)
            tokens.append(_Token("quoted", text[i + 1 : end], i))
            i = end + 1
        elif (match := _NUMBER.match(text, i)) is not None:
            tokens.append(_Token("number", match.group(), i))
            i = match.end()
        elif (match := _IDENTIFIER.match(text, i)) is not None:
            tokens.append(_Token("name", match.group(), i))
            i = match.end()
        else:
            raise FormulaError(f"unexpected character {_shown(char)}", i)
    tokens.append(_Token("end", "", len(text)))
    return tokens


def _shown(text: str) -> str:
    return f'"{text}"' if text.isprintable() else repr(text)


class _Parser:
    def __init__(self, text: str, names: Sequence[str]) -> None:
        self.tokens = _tokens(text)
        self.index = 0
        self.names = list(names)
        self.known = set(names)
        self.depth = 0
        self.used: dict[str, None] = {}

    @property
    def token(self) -> _Token:
        return self.tokens[self.index]

    def take(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def fail(self, token: _Token, expected: str) -> FormulaError:
        found = "the end of the formula" if token.kind == "end" else _shown(token.text)
        if token.kind == "quoted":
            found = f"`{token.text}`"
        return FormulaError(f"expected {expected}, found {found}", token.position)

    def whole(self) -> Node:
        if self.token.kind == "end":
            raise FormulaError("the formula is empty", 0)
        tree = self.sum()
        if self.token.kind != "end":
            token = self.token
            if token.kind == ")":
                raise FormulaError('unexpected ")" with no "(" before it', token.position)
            error = self.fail(token, "an operator (+ - * / ^) or the end")
            if token.kind in ("number", "name", "quoted", "("):
                error = FormulaError(error.reason, error.position, "write * between factors")
            raise error
        return tree

    def sum(self) -> Node:
        left = self.product()
        while self.token.kind == "op" and self.token.text in "+-":
            op = self.take()
            left = Binary(op.text, left, self.product(), op.position)
        return left

    def product(self) -> Node:
        left = self.signed()
        while self.token.kind == "op" and self.token.text in "*/":
            op = self.take()
            left = Binary(op.text, left, self.signed(), op.position)
        return left

    def signed(self) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FormulaError(f"nested more than {MAX_DEPTH} levels deep", self.token.position)
        token = self.token
        if token.kind == "op" and token.text in "+-":
            self.take()
            operand = self.signed()
            node = operand if token.text == "+" else Signed(operand, token.position)
        else:
            node = self.power()
        self.depth -= 1
        return node

    def power(self) -> Node:
        base = self.atom()
        if self.token.kind == "op" and self.token.text == "^":
            op = self.take()
            return Binary("^", base, self.signed(), op.position)
        return base

    def atom(self) -> Node:
        token = self.take()
        if token.kind == "number":
            value = float(token.text)
            if value == float("inf"):
                raise FormulaError(f"the number {token.text} is too large", token.position)
            return Number(value, token.position)
        if token.kind == "(":
            inner = self.sum()
            self.close(token)
            return inner
        if token.kind == "name" and self.token.kind == "(":
            if token.text not in FUNCTIONS:
                raise FormulaError(
                    f'unknown function "{token.text}"',
                    token.position,
                    "the functions are " + ", ".join(FUNCTIONS),
                )
            opening = self.take()
            argument = self.sum()
            self.close(opening)
            return Call(token.text, argument, token.position)
        if token.kind in ("name", "quoted"):
            if token.text not in self.known:
                shown = ", ".join(_name_text(name) for name in self.names) or "none"
                hint = f"the inputs are {shown}"
                if token.text in FUNCTIONS:
                    hint = f"{token.text} is a function: write {token.text}(…); {hint}"
                raise FormulaError(f'unknown input "{token.text}"', token.position, hint)
            self.used[token.text] = None
            return Name(token.text, token.position)
        if token.kind == ")":
            raise FormulaError('unexpected ")"', token.position)
        raise self.fail(token, "a number, an input, a function or (")

    def close(self, opening: _Token) -> None:
        if self.token.kind != ")":
            if self.token.kind == "end":
                raise FormulaError('"(" is not closed', opening.position)
            raise self.fail(self.token, 'an operator or ")"')
        self.take()


def parse(text: str, names: Sequence[str]) -> Formula:
    """Parse `text` as a formula of the inputs `names` (e.g. ["X1", "X2"], or a CSV's columns).

    Out: a Formula. Raises FormulaError (a ValueError) with the position of the first problem:
    a character or word the grammar does not know, an unknown input or function, an unclosed
    parenthesis, a text longer than MAX_LENGTH (also once written in canonical form) or nested
    deeper than MAX_DEPTH.
    """
    if not isinstance(text, str):
        raise FormulaError("a formula is text", 0)
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"a formula may have at most {MAX_LENGTH} characters", MAX_LENGTH)
    parser = _Parser(text, names)
    tree = parser.whole()
    # nnsim stores and shows the canonical form, which must read back within the limit too.
    written = len(to_text(tree))
    if written > MAX_LENGTH:
        raise FormulaError(
            f"written with spaces around + and - the formula has {written} characters, "
            f"more than the {MAX_LENGTH} allowed",
            0,
        )
    return Formula(text, tree, tuple(parser.used))


def is_plain_name(text: str) -> bool:
    """Whether `text` is a single word that the grammar reads as a name (X1, tail_length)."""
    return _IDENTIFIER.fullmatch(text) is not None


def example(names: Sequence[str]) -> str:
    """A formula of the first one or two of `names`, to show in a message: "X1*X2 + sin(X1)"."""
    shown = [_name_text(name) for name in names[:2]]
    if not shown:
        return "2*sin(3)"
    first, second = shown[0], shown[-1]
    return f"{first}*{second} + sin({first})"


# ----- writing ------------------------------------------------------------------------------


def _name_text(name: str) -> str:
    return name if _IDENTIFIER.fullmatch(name) is not None else f"`{name}`"


def _number_text(value: float) -> str:
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _binding(node: Node) -> int:
    if isinstance(node, Binary):
        return _PRECEDENCE[node.operator]
    if isinstance(node, Signed):
        return _SIGNED
    return _ATOM


def to_text(node: Node, values: Mapping[str, str] | None = None) -> str:
    """Write a tree back as text with no more parentheses than its meaning needs, so that it
    reads back as the same tree. With `values`, each input's name is replaced by its text in
    `values` (put in parentheses when it starts with a minus sign)."""

    def write(node: Node, limit: int) -> str:
        # `limit`: the loosest binding this place may hold without parentheses.
        text = _write(node)
        return f"({text})" if _binding(node) < limit else text

    def _write(node: Node) -> str:
        if isinstance(node, Number):
            return _number_text(node.value)
        if isinstance(node, Name):
            if values is None:
                return _name_text(node.name)
            shown = values[node.name]
            return f"({shown})" if shown.startswith(("-", "−")) else shown
        if isinstance(node, Call):
            return f"{node.function}({write(node.argument, _SUM)})"
        if isinstance(node, Signed):
            # A power binds tighter than the sign, so -X1^2 needs no parentheses.
            return f"-{write(node.operand, _SIGNED)}"
        op = node.operator
        level = _PRECEDENCE[op]
        if op == "^":
            # Right-associative: a power on the left needs parentheses, one on the right not;
            # the exponent may carry its own sign (2^-1).
            return f"{write(node.left, _ATOM)}^{write(node.right, _SIGNED)}"
        # Left-associative: the right operand of the same level needs parentheses, because
        # a - (b - c) is not a - b - c (and in floating point a + (b + c) is not a + b + c).
        left, right = write(node.left, level), write(node.right, level + 1)
        return f"{left} {op} {right}" if level == _SUM else f"{left}{op}{right}"

    return write(node, _SUM)


# ----- evaluating ---------------------------------------------------------------------------


def evaluate(
    formula: Formula, columns: Mapping[str, np.ndarray], *, check: bool = False
) -> np.ndarray:
    """Evaluate `formula` on data: `columns` maps each input name it uses to a float array
    (n,). Out: float64 (n,).

    With `check`, a value that is not finite (log of 0 or less, sqrt of a negative, a division
    by zero, an overflow) raises FormulaError naming the first part of the formula that made
    one, at its position, and a row where it did with the inputs' values there. Without it,
    such values are returned as they come (inf or NaN), for pictures over a whole plane.
    """
    arrays = {name: np.asarray(columns[name], dtype=np.float64) for name in formula.inputs}
    # A formula of numbers alone still gives one value per row of the data.
    length = next((len(values) for values in columns.values()), 1)

    def value(node: Node) -> np.ndarray | float:
        if isinstance(node, Number):
            return node.value
        if isinstance(node, Name):
            return arrays[node.name]
        if isinstance(node, Signed):
            result = np.negative(value(node.operand))
        elif isinstance(node, Call):
            result = FUNCTIONS[node.function](value(node.argument))
        else:
            result = _BINARY[node.operator](value(node.left), value(node.right))
        if check and not np.all(np.isfinite(result)):
            raise _not_finite(node, result, arrays)
        return result

    with np.errstate(all="ignore"):
        result = value(formula.tree)
    return np.ascontiguousarray(np.broadcast_to(result, (length,)), dtype=np.float64)


def _not_finite(node: Node, result, arrays: Mapping[str, np.ndarray]) -> FormulaError:
    result = np.asarray(result)
    bad = np.flatnonzero(~np.isfinite(result)) if result.ndim else np.array([0])
    row = int(bad[0])
    what = "not a number (NaN)" if np.isnan(result.flat[row]) else "infinite"
    place = ", ".join(f"{name} = {values[row]:.6g}" for name, values in arrays.items())
    where = f" on row {row + 1} of the data, where {place}" if place and result.ndim else ""
    return FormulaError(f"{to_text(node)} is {what}{where}", node.position)
