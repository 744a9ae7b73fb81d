"""``Series.cat``: categories and codes over the engine's categorical type."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shardframe._expr import lit

if TYPE_CHECKING:
    from shardframe.series import Series


class CategoricalMethods:
    """Categories and codes, as ``pandas.Series.cat``. Changing the
    categories recategorizes each value by its label in the engine."""

    def __init__(self, series: Series) -> None:
        if series._engine_dtype() != "category":
            raise AttributeError("Can only use .cat accessor with a 'category' dtype")
        self._s = series

    @property
    def categories(self) -> Any:
        return self._s.dtype.categories

    @property
    def ordered(self) -> bool:
        return bool(self._s.dtype.ordered)

    @property
    def codes(self) -> Series:
        """Each value's category position, -1 when missing (int8 below 128
        categories, as pandas sizes them)."""
        n = len(self.categories)
        width = "int8" if n < 128 else "int16" if n < 32768 else "int32"
        expr = self._s._expr.fn("cat_codes").fn("cast", dtype=width).fn("fill_null", lit(-1))
        return self._s._derive(expr, name=None)

    def _with(self, categories: Any, ordered: bool | None = None) -> Series:
        import pandas as pd

        order = self.ordered if ordered is None else ordered
        return self._s.astype(pd.CategoricalDtype(list(categories), ordered=order))

    def set_categories(self, new_categories: Any, ordered: bool | None = None, rename: bool = False) -> Series:
        if rename:
            return self.rename_categories(new_categories)
        return self._with(new_categories, ordered)

    def reorder_categories(self, new_categories: Any, ordered: bool | None = None) -> Series:
        if len(new_categories) != len(self.categories) or set(new_categories) != set(self.categories):
            raise ValueError("items in new_categories are not the same as in old categories")
        return self._with(new_categories, ordered)

    def add_categories(self, new_categories: Any) -> Series:
        import pandas as pd

        new = list(new_categories) if pd.api.types.is_list_like(new_categories) else [new_categories]
        already = [c for c in new if c in self.categories]
        if already:
            raise ValueError(f"new categories must not include old categories: {already}")
        return self._with([*self.categories, *new])

    def remove_categories(self, removals: Any) -> Series:
        import pandas as pd

        gone = pd.Index(removals if pd.api.types.is_list_like(removals) else [removals]).unique().dropna()
        missing = gone.difference(self.categories)
        if len(missing):
            raise ValueError(f"removals must all be in old categories: {set(missing)}")
        # pandas sorts what is left of unordered categories
        return self._with(self.categories.difference(gone, sort=False if self.ordered else None))

    def remove_unused_categories(self) -> Series:
        used = set(self._s.dropna().unique())
        return self._with([c for c in self.categories if c in used])

    def rename_categories(self, new_categories: Any) -> Series:
        """The same codes under new labels (a list, a dict or a function)."""
        import pandas as pd

        from shardframe import _categories

        old = list(self.categories)
        if callable(new_categories):
            new = [new_categories(c) for c in old]
        elif isinstance(new_categories, dict):
            new = [new_categories.get(c, c) for c in old]
        else:
            new = list(new_categories)
            if len(new) != len(old):
                raise ValueError("new categories need to have the same number of items as the old categories!")
        if len(set(new)) != len(new):
            raise ValueError("Categorical categories must be unique")
        labels = _categories.labels(pd.CategoricalDtype(new, ordered=self.ordered))
        if labels is None:
            return self._s._fallback("cat").rename_categories(new_categories)
        return self._s._derive(self._s._expr.fn("cat_codes").fn("codes_to_category", categories=labels))

    def as_ordered(self) -> Series:
        """The same values with the categories' order counting in comparisons.

        Examples
        --------
        >>> import shardframe as sf
        >>> s = sf.Series(["b", "a", "b"]).astype("category")
        >>> s.cat.as_ordered().cat.ordered
        True
        """
        return self._with(self.categories, ordered=True)

    def as_unordered(self) -> Series:
        """The same values with unordered categories.

        Examples
        --------
        >>> import shardframe as sf
        >>> s = sf.Series(["b", "a"]).astype("category").cat.as_ordered()
        >>> s.cat.as_unordered().cat.ordered
        False
        """
        return self._with(self.categories, ordered=False)

    def __getattr__(self, name: str) -> Any:
        from shardframe.accessors.string import _pandas_method

        if name.startswith("_"):
            raise AttributeError(name)
        return _pandas_method(self._s, "cat", name)
