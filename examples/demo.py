"""The main job: an example analysis on generated data, printed and plotted.

Generates a table of sales (10 million rows by default; set SHARDFRAME_DEMO_ROWS),
loads it into shardframe, compares memory with pandas, runs a pandas-style
analysis, and writes a chart to out/demo.png.
"""

from __future__ import annotations

import os
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import shardframe as sf  # noqa: E402

ROWS = int(os.environ.get("SHARDFRAME_DEMO_ROWS", 10_000_000))


def generate(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(42)
    regions = np.array(["north", "south", "east", "west", "central"])
    products = np.array([f"product-{i:03d}" for i in range(200)])
    return pd.DataFrame({
        "order_id": np.arange(n, dtype="int64"),
        "day": pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D"),
        "region": pd.Series(regions[rng.integers(0, len(regions), n)], dtype="str"),
        "product": pd.Series(products[rng.zipf(1.6, n) % len(products)], dtype="str"),
        "quantity": rng.integers(1, 20, n),
        "price": rng.gamma(2.0, 15.0, n).round(2),
        "discount": rng.choice([0.0, 0.05, 0.1, 0.2], n, p=[0.6, 0.2, 0.15, 0.05]),
    })


def mb(n: float) -> str:
    return f"{n / 2**20:,.1f} MB"


def main() -> None:
    sf.options.progress = False
    print(f"shardframe demo: {ROWS:,} generated sales rows\n")
    t = time.perf_counter()
    pdf = generate(ROWS)
    pandas_bytes = int(pdf.memory_usage(deep=True).sum())
    df = sf.DataFrame(pdf)
    storage = df.storage()
    del pdf
    print(f"loaded in {time.perf_counter() - t:.1f} s into {storage['partitions']} partitions")
    print(f"  pandas in memory:          {mb(pandas_bytes)}")
    print(f"  shardframe raw (decoded):  {mb(storage['raw_bytes'])}")
    print(f"  shardframe held (zstd):    {mb(storage['compressed_bytes'])}"
          f"  = {storage['compressed_bytes'] / pandas_bytes:.0%} of pandas\n")

    t, cpu = time.perf_counter(), time.process_time()
    df["revenue"] = df.quantity * df.price * (1 - df.discount)
    big = df[(df.revenue > 100) & (df.region != "central")]
    print("Orders with revenue over 100 outside the central region:")
    print(f"  count {len(big):,}   total revenue {big.revenue.sum():,.2f}   "
          f"mean {big.revenue.mean():.2f}   median {big.revenue.median():.2f}")
    wall = time.perf_counter() - t
    busy = (time.process_time() - cpu) / wall
    print(f"  ({wall:.2f} s: filter + new column + reductions, fused per partition; "
          f"{busy:.1f} of {os.cpu_count()} cores busy)\n")

    print("Summary of the numeric columns:")
    print(df[["quantity", "price", "discount", "revenue"]].describe().round(2), "\n")

    print("Top products by number of large orders:")
    top = big["product"].value_counts().head(8)
    print(top, "\n")

    print("Largest orders:")
    print(df.nlargest(5, "revenue")[["order_id", "day", "region", "product", "revenue"]], "\n")

    print("Revenue by region (group-by: partial per partition, hash exchange, final per bucket):")
    print(df.groupby("region").agg(orders=("order_id", "count"), revenue=("revenue", "sum"),
                                   avg=("revenue", "mean")).round(2), "\n")

    month = df.day.dt.month.rename("month")
    months = df.groupby(month).revenue.sum() / 1e6
    os.makedirs("out", exist_ok=True)
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.5))
    months.plot.bar(ax=axes[0], color="#4c72b0", title="Revenue by month (millions)")
    top.plot.barh(ax=axes[1], color="#dd8452", title="Products with most large orders")
    axes[1].invert_yaxis()
    # Bins counted over all rows in the engine; matplotlib only draws the bars.
    df.revenue.plot.hist(bins=60, ax=axes[2], logy=True, title=f"Revenue per order, all {len(df):,} rows")
    fig.tight_layout()
    fig.savefig("out/demo.png", dpi=110)
    print("chart written to out/demo.png")


if __name__ == "__main__":
    main()
