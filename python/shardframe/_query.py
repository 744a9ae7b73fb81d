"""``DataFrame.query``: Python expression syntax over column names, evaluated
into engine expressions (never with ``eval``)."""

from __future__ import annotations

import ast
import operator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shardframe.frame import DataFrame

_BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow,
           ast.BitAnd: operator.and_, ast.BitOr: operator.or_}
_CMPOPS = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
           ast.Gt: operator.gt, ast.GtE: operator.ge}


def evaluate(frame: DataFrame, text: str, local_dict: dict[str, Any] | None = None, level: int = 0) -> Any:
    """The value of expression ``text`` over ``frame``'s columns; ``@name``
    is a variable of the caller ``level + 2`` frames up (the user's code,
    calling ``query`` or ``eval``), or of ``local_dict``."""
    tree = ast.parse(_locals_marked(text), mode="eval")
    return _eval(tree.body, frame, _environment(local_dict, level))


def evaluate_statements(frame: DataFrame, text: str, local_dict: dict[str, Any] | None = None,
                        level: int = 0) -> tuple[Any, dict[Any, Any]]:
    """``DataFrame.eval``: an expression's value, or for lines of
    assignments (``"c = a + b"``) the columns they assign, in order (a later
    line sees the earlier ones)."""
    env = _environment(local_dict, level)
    tree = ast.parse(_locals_marked(text), mode="exec")
    if len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr):
        return _eval(tree.body[0].value, frame, env), {}
    assigned: dict[Any, Any] = {}
    work = frame.copy()
    for stmt in tree.body:
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)):
            raise ValueError("cannot assign without a target object" if isinstance(stmt, ast.Expr)
                             else f"unsupported eval syntax: {ast.unparse(stmt)}")
        name = stmt.targets[0].id
        work[name] = assigned[name] = _eval(stmt.value, work, env)
    return None, assigned


def _locals_marked(text: str) -> str:
    """``text`` as Python: ``@name`` as ``__local__name``, a backtick-quoted
    column name (the name between backticks) as ``__backtick__`` and its hex code (quoted
    strings are left as they are)."""
    import re

    out, i, quote = [], 0, ""
    while i < len(text):
        c = text[i]
        if quote:
            out.append(text[i:i + 2] if c == "\\" else c)
            i += 2 if c == "\\" else 1
            quote = "" if c == quote else quote
            continue
        if c == "`":
            end = text.find("`", i + 1)
            if end < 0:
                raise SyntaxError(f"a backtick is not closed: {text!r}")
            out.append(" __backtick__" + text[i + 1:end].encode().hex() + " ")
            i = end + 1
            continue
        if c in "'\"":
            quote = c
        out.append(c)
        i += 1
    return re.sub(r"@([A-Za-z_][A-Za-z0-9_]*)", r"__local__\1", "".join(out).strip())


def _column(frame: DataFrame, name: str) -> Any:
    """The column a backtick-quoted name is: its label, or a label whose text
    it is (`0` is the column 0)."""
    if name in frame._cols:
        return frame[name]
    for label in frame._cols:
        if str(label) == name:
            return frame[label]
    from pandas.errors import UndefinedVariableError

    raise UndefinedVariableError(name)


def _environment(local_dict: dict[str, Any] | None, level: int) -> dict[str, Any]:
    """The variables ``@name`` may read: the caller's locals and globals (never
    shardframe's own), or ``local_dict``."""
    import sys

    if local_dict is None:
        caller = sys._getframe(level + 3)
        names = {**caller.f_globals, **caller.f_locals}
    else:
        names = dict(local_dict)
    return {f"__local__{k}": v for k, v in names.items()}


def _eval(node: ast.AST, frame: DataFrame, env: dict[str, Any]) -> Any:
    if isinstance(node, ast.BoolOp) or isinstance(node, ast.BinOp) and isinstance(node.op, (ast.BitAnd, ast.BitOr)):
        values = [_eval(v, frame, env) for v in (node.values if isinstance(node, ast.BoolOp) else [node.left, node.right])]
        if not any(hasattr(v, "_plan") for v in values):
            raise NotImplementedError("cannot evaluate scalar only bool ops")  # as pandas
        if isinstance(node, ast.BinOp):
            return _BINOPS[type(node.op)](values[0], values[1])
        out = values[0]
        for v in values[1:]:
            out = (out & v) if isinstance(node.op, ast.And) else (out | v)
        return out
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        return _BINOPS[type(node.op)](_eval(node.left, frame, env), _eval(node.right, frame, env))
    if isinstance(node, ast.UnaryOp):
        v = _eval(node.operand, frame, env)
        if isinstance(node.op, (ast.Not, ast.Invert)):
            return ~v
        if isinstance(node.op, ast.USub):
            return -v
        return v
    if isinstance(node, ast.Compare):
        left = _eval(node.left, frame, env)
        out = None
        for op, comp in zip(node.ops, node.comparators, strict=True):
            right = _eval(comp, frame, env)
            if isinstance(op, ast.In):
                part = left.isin(right)
            elif isinstance(op, ast.NotIn):
                part = ~left.isin(right)
            else:
                part = _CMPOPS[type(op)](left, right)
            out = part if out is None else out & part
            left = right
        return out
    if isinstance(node, ast.Name):
        if node.id.startswith("__backtick__"):
            return _column(frame, bytes.fromhex(node.id.removeprefix("__backtick__")).decode())
        if node.id in frame._cols:
            return frame[node.id]
        if node.id in env:
            return env[node.id]
        from pandas.errors import UndefinedVariableError  # a NameError, as pandas raises

        local = node.id.startswith("__local__")
        raise UndefinedVariableError(node.id.removeprefix("__local__"), local)
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_eval(e, frame, env) for e in node.elts]
    raise ValueError(f"unsupported query syntax: {ast.unparse(node)}")

