"""``DataFrame.query``: Python expression syntax over column names, evaluated
into engine expressions (never with ``eval``)."""

from __future__ import annotations

import ast
import operator
from typing import TYPE_CHECKING, Any

from shardframe.exceptions import ColumnNotFoundError

if TYPE_CHECKING:
    from shardframe.frame import DataFrame

_BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow,
           ast.BitAnd: operator.and_, ast.BitOr: operator.or_}
_CMPOPS = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
           ast.Gt: operator.gt, ast.GtE: operator.ge}


def evaluate(frame: DataFrame, text: str, local_dict: dict[str, Any] | None = None) -> Any:
    import inspect

    caller = inspect.stack()[2].frame.f_locals if local_dict is None else local_dict
    import re

    env = dict(caller)
    text = re.sub(r"@([A-Za-z_][A-Za-z0-9_]*)", r"__local__\1", text.strip())
    env = {f"__local__{k}": v for k, v in env.items()}
    tree = ast.parse(text, mode="eval")
    return _eval(tree.body, frame, env)


def _eval(node: ast.AST, frame: DataFrame, env: dict[str, Any]) -> Any:
    if isinstance(node, ast.BoolOp):
        values = [_eval(v, frame, env) for v in node.values]
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
        if node.id in frame._cols:
            return frame[node.id]
        if node.id in env:
            return env[node.id]
        raise ColumnNotFoundError(f"name '{node.id}' is not defined")
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_eval(e, frame, env) for e in node.elts]
    raise ValueError(f"unsupported query syntax: {ast.unparse(node)}")

