"""The 22 TPC-H queries in pandas idiom, as a data scientist writes them.

Each takes the tables (a dict of frames) and the module (``pandas`` or
``shardframe``) and returns a frame; the same code runs on both. Parameters
are the specification's validation values.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

T = dict[str, Any]


def d(s: str) -> datetime:
    return datetime.strptime(s, "%Y-%m-%d")


def q1(t: T, m: Any) -> Any:
    li = t["lineitem"]
    li = li[li.l_shipdate <= d("1998-09-02")]
    li["disc_price"] = li.l_extendedprice * (1 - li.l_discount)
    li["charge"] = li.disc_price * (1 + li.l_tax)
    out = li.groupby(["l_returnflag", "l_linestatus"], as_index=False).agg(
        sum_qty=("l_quantity", "sum"), sum_base_price=("l_extendedprice", "sum"),
        sum_disc_price=("disc_price", "sum"), sum_charge=("charge", "sum"),
        avg_qty=("l_quantity", "mean"), avg_price=("l_extendedprice", "mean"),
        avg_disc=("l_discount", "mean"), count_order=("l_orderkey", "count"))
    return out.sort_values(["l_returnflag", "l_linestatus"])


def q2(t: T, m: Any) -> Any:
    region = t["region"][t["region"].r_name == "EUROPE"]
    nation = t["nation"].merge(region, left_on="n_regionkey", right_on="r_regionkey")
    supp = t["supplier"].merge(nation, left_on="s_nationkey", right_on="n_nationkey")
    ps = t["partsupp"].merge(supp, left_on="ps_suppkey", right_on="s_suppkey")
    part = t["part"]
    part = part[(part.p_size == 15) & part.p_type.str.endswith("BRASS")]
    j = part.merge(ps, left_on="p_partkey", right_on="ps_partkey")
    cheapest = j.groupby("p_partkey", as_index=False).agg(min_cost=("ps_supplycost", "min"))
    j = j.merge(cheapest, on="p_partkey")
    j = j[j.ps_supplycost == j.min_cost]
    cols = ["s_acctbal", "s_name", "n_name", "p_partkey", "p_mfgr", "s_address", "s_phone", "s_comment"]
    return j[cols].sort_values(["s_acctbal", "n_name", "s_name", "p_partkey"],
                               ascending=[False, True, True, True]).head(100)


def q3(t: T, m: Any) -> Any:
    c = t["customer"]
    c = c[c.c_mktsegment == "BUILDING"]
    o = t["orders"]
    o = o[o.o_orderdate < d("1995-03-15")]
    li = t["lineitem"]
    li = li[li.l_shipdate > d("1995-03-15")]
    j = c.merge(o, left_on="c_custkey", right_on="o_custkey").merge(li, left_on="o_orderkey", right_on="l_orderkey")
    j["revenue"] = j.l_extendedprice * (1 - j.l_discount)
    out = j.groupby(["l_orderkey", "o_orderdate", "o_shippriority"], as_index=False).agg(revenue=("revenue", "sum"))
    out = out[["l_orderkey", "revenue", "o_orderdate", "o_shippriority"]]
    return out.sort_values(["revenue", "o_orderdate"], ascending=[False, True]).head(10)


def q4(t: T, m: Any) -> Any:
    o = t["orders"]
    o = o[(o.o_orderdate >= d("1993-07-01")) & (o.o_orderdate < d("1993-10-01"))]
    li = t["lineitem"]
    late = li[li.l_commitdate < li.l_receiptdate][["l_orderkey"]].drop_duplicates()
    j = o.merge(late, left_on="o_orderkey", right_on="l_orderkey")
    out = j.groupby("o_orderpriority", as_index=False).agg(order_count=("o_orderkey", "count"))
    return out.sort_values("o_orderpriority")


def q5(t: T, m: Any) -> Any:
    region = t["region"][t["region"].r_name == "ASIA"]
    nation = t["nation"].merge(region, left_on="n_regionkey", right_on="r_regionkey")
    o = t["orders"]
    o = o[(o.o_orderdate >= d("1994-01-01")) & (o.o_orderdate < d("1995-01-01"))]
    j = (t["customer"].merge(o, left_on="c_custkey", right_on="o_custkey")
         .merge(t["lineitem"], left_on="o_orderkey", right_on="l_orderkey")
         .merge(t["supplier"], left_on=["l_suppkey", "c_nationkey"], right_on=["s_suppkey", "s_nationkey"])
         .merge(nation, left_on="s_nationkey", right_on="n_nationkey"))
    j["revenue"] = j.l_extendedprice * (1 - j.l_discount)
    out = j.groupby("n_name", as_index=False).agg(revenue=("revenue", "sum"))
    return out.sort_values("revenue", ascending=False)


def q6(t: T, m: Any) -> Any:
    li = t["lineitem"]
    li = li[(li.l_shipdate >= d("1994-01-01")) & (li.l_shipdate < d("1995-01-01"))
            & li.l_discount.between(0.05, 0.07) & (li.l_quantity < 24)]
    revenue = (li.l_extendedprice * li.l_discount).sum()
    return m.DataFrame({"revenue": [float(revenue)]})


def q7(t: T, m: Any) -> Any:
    n = t["nation"]
    n = n[n.n_name.isin(["FRANCE", "GERMANY"])]
    li = t["lineitem"]
    li = li[(li.l_shipdate >= d("1995-01-01")) & (li.l_shipdate <= d("1996-12-31"))]
    supp = t["supplier"].merge(n.rename(columns={"n_name": "supp_nation", "n_nationkey": "sn"})[["sn", "supp_nation"]],
                               left_on="s_nationkey", right_on="sn")
    cust = t["customer"].merge(n.rename(columns={"n_name": "cust_nation", "n_nationkey": "cn"})[["cn", "cust_nation"]],
                               left_on="c_nationkey", right_on="cn")
    j = (li.merge(supp, left_on="l_suppkey", right_on="s_suppkey")
         .merge(t["orders"], left_on="l_orderkey", right_on="o_orderkey")
         .merge(cust, left_on="o_custkey", right_on="c_custkey"))
    j = j[j.supp_nation != j.cust_nation]
    j["l_year"] = j.l_shipdate.dt.year
    j["volume"] = j.l_extendedprice * (1 - j.l_discount)
    out = j.groupby(["supp_nation", "cust_nation", "l_year"], as_index=False).agg(revenue=("volume", "sum"))
    return out.sort_values(["supp_nation", "cust_nation", "l_year"])


def q8(t: T, m: Any) -> Any:
    region = t["region"][t["region"].r_name == "AMERICA"]
    n1 = t["nation"].merge(region, left_on="n_regionkey", right_on="r_regionkey")[["n_nationkey"]]
    part = t["part"][t["part"].p_type == "ECONOMY ANODIZED STEEL"]
    o = t["orders"]
    o = o[(o.o_orderdate >= d("1995-01-01")) & (o.o_orderdate <= d("1996-12-31"))]
    j = (part.merge(t["lineitem"], left_on="p_partkey", right_on="l_partkey")
         .merge(o, left_on="l_orderkey", right_on="o_orderkey")
         .merge(t["customer"], left_on="o_custkey", right_on="c_custkey")
         .merge(n1, left_on="c_nationkey", right_on="n_nationkey")
         .merge(t["supplier"], left_on="l_suppkey", right_on="s_suppkey")
         .merge(t["nation"][["n_nationkey", "n_name"]].rename(columns={"n_nationkey": "n2key", "n_name": "nation"}),
                left_on="s_nationkey", right_on="n2key"))
    j["o_year"] = j.o_orderdate.dt.year
    j["volume"] = j.l_extendedprice * (1 - j.l_discount)
    j["brazil"] = j.volume.where(j.nation == "BRAZIL", 0.0)
    out = j.groupby("o_year", as_index=False).agg(brazil=("brazil", "sum"), total=("volume", "sum"))
    out["mkt_share"] = out.brazil / out.total
    return out[["o_year", "mkt_share"]].sort_values("o_year")


def q9(t: T, m: Any) -> Any:
    part = t["part"][t["part"].p_name.str.contains("green", regex=False)]
    j = (part.merge(t["lineitem"], left_on="p_partkey", right_on="l_partkey")
         .merge(t["partsupp"], left_on=["l_suppkey", "l_partkey"], right_on=["ps_suppkey", "ps_partkey"])
         .merge(t["supplier"], left_on="l_suppkey", right_on="s_suppkey")
         .merge(t["orders"], left_on="l_orderkey", right_on="o_orderkey")
         .merge(t["nation"], left_on="s_nationkey", right_on="n_nationkey"))
    j["o_year"] = j.o_orderdate.dt.year
    j["amount"] = j.l_extendedprice * (1 - j.l_discount) - j.ps_supplycost * j.l_quantity
    out = j.groupby(["n_name", "o_year"], as_index=False).agg(sum_profit=("amount", "sum"))
    out = out.rename(columns={"n_name": "nation"})
    return out.sort_values(["nation", "o_year"], ascending=[True, False])


def q10(t: T, m: Any) -> Any:
    o = t["orders"]
    o = o[(o.o_orderdate >= d("1993-10-01")) & (o.o_orderdate < d("1994-01-01"))]
    li = t["lineitem"][t["lineitem"].l_returnflag == "R"]
    j = (t["customer"].merge(o, left_on="c_custkey", right_on="o_custkey")
         .merge(li, left_on="o_orderkey", right_on="l_orderkey")
         .merge(t["nation"], left_on="c_nationkey", right_on="n_nationkey"))
    j["revenue"] = j.l_extendedprice * (1 - j.l_discount)
    keys = ["c_custkey", "c_name", "c_acctbal", "c_phone", "n_name", "c_address", "c_comment"]
    out = j.groupby(keys, as_index=False).agg(revenue=("revenue", "sum"))
    out = out[["c_custkey", "c_name", "revenue", "c_acctbal", "n_name", "c_address", "c_phone", "c_comment"]]
    return out.sort_values(["revenue", "c_custkey"], ascending=[False, True]).head(20)


def q11(t: T, m: Any) -> Any:
    n = t["nation"][t["nation"].n_name == "GERMANY"]
    j = (t["partsupp"].merge(t["supplier"], left_on="ps_suppkey", right_on="s_suppkey")
         .merge(n, left_on="s_nationkey", right_on="n_nationkey"))
    j["value"] = j.ps_supplycost * j.ps_availqty
    threshold = j.value.sum() * 0.0001
    out = j.groupby("ps_partkey", as_index=False).agg(value=("value", "sum"))
    out = out[out.value > threshold]
    return out.sort_values(["value", "ps_partkey"], ascending=[False, True])


def q12(t: T, m: Any) -> Any:
    li = t["lineitem"]
    li = li[li.l_shipmode.isin(["MAIL", "SHIP"]) & (li.l_commitdate < li.l_receiptdate)
            & (li.l_shipdate < li.l_commitdate) & (li.l_receiptdate >= d("1994-01-01"))
            & (li.l_receiptdate < d("1995-01-01"))]
    j = t["orders"].merge(li, left_on="o_orderkey", right_on="l_orderkey")
    high = j.o_orderpriority.isin(["1-URGENT", "2-HIGH"])
    j["high_line_count"] = high.astype("int64")
    j["low_line_count"] = (~high).astype("int64")
    out = j.groupby("l_shipmode", as_index=False).agg(
        high_line_count=("high_line_count", "sum"), low_line_count=("low_line_count", "sum"))
    return out.sort_values("l_shipmode")


def q13(t: T, m: Any) -> Any:
    o = t["orders"]
    o = o[~o.o_comment.str.contains("special.*requests", regex=True)]
    j = t["customer"].merge(o, left_on="c_custkey", right_on="o_custkey", how="left")
    counts = j.groupby("c_custkey", as_index=False).agg(c_count=("o_orderkey", "count"))
    out = counts.groupby("c_count", as_index=False).agg(custdist=("c_custkey", "count"))
    return out.sort_values(["custdist", "c_count"], ascending=[False, False])


def q14(t: T, m: Any) -> Any:
    li = t["lineitem"]
    li = li[(li.l_shipdate >= d("1995-09-01")) & (li.l_shipdate < d("1995-10-01"))]
    j = li.merge(t["part"], left_on="l_partkey", right_on="p_partkey")
    j["revenue"] = j.l_extendedprice * (1 - j.l_discount)
    promo = j.revenue.where(j.p_type.str.startswith("PROMO"), 0.0).sum()
    return m.DataFrame({"promo_revenue": [100.0 * float(promo) / float(j.revenue.sum())]})


def q15(t: T, m: Any) -> Any:
    li = t["lineitem"]
    li = li[(li.l_shipdate >= d("1996-01-01")) & (li.l_shipdate < d("1996-04-01"))]
    li["revenue"] = li.l_extendedprice * (1 - li.l_discount)
    rev = li.groupby("l_suppkey", as_index=False).agg(total_revenue=("revenue", "sum"))
    top = rev[rev.total_revenue == rev.total_revenue.max()]
    j = t["supplier"].merge(top, left_on="s_suppkey", right_on="l_suppkey")
    return j[["s_suppkey", "s_name", "s_address", "s_phone", "total_revenue"]].sort_values("s_suppkey")


def q16(t: T, m: Any) -> Any:
    part = t["part"]
    part = part[(part.p_brand != "Brand#45") & ~part.p_type.str.startswith("MEDIUM POLISHED")
                & part.p_size.isin([49, 14, 23, 45, 19, 3, 36, 9])]
    s = t["supplier"]
    complainers = s[s.s_comment.str.contains("Customer.*Complaints", regex=True)].s_suppkey
    ps = t["partsupp"]
    ps = ps[~ps.ps_suppkey.isin(complainers)]
    j = part.merge(ps, left_on="p_partkey", right_on="ps_partkey")
    out = j.groupby(["p_brand", "p_type", "p_size"], as_index=False).agg(supplier_cnt=("ps_suppkey", "nunique"))
    return out.sort_values(["supplier_cnt", "p_brand", "p_type", "p_size"], ascending=[False, True, True, True])


def q17(t: T, m: Any) -> Any:
    part = t["part"]
    part = part[(part.p_brand == "Brand#23") & (part.p_container == "MED BOX")]
    j = part.merge(t["lineitem"], left_on="p_partkey", right_on="l_partkey")
    avg = j.groupby("p_partkey", as_index=False).agg(avg_qty=("l_quantity", "mean"))
    j = j.merge(avg, on="p_partkey")
    j = j[j.l_quantity < 0.2 * j.avg_qty]
    return m.DataFrame({"avg_yearly": [float(j.l_extendedprice.sum()) / 7.0]})


def q18(t: T, m: Any) -> Any:
    li = t["lineitem"]
    qty = li.groupby("l_orderkey", as_index=False).agg(sum_qty=("l_quantity", "sum"))
    big = qty[qty.sum_qty > 300]
    j = (t["orders"].merge(big, left_on="o_orderkey", right_on="l_orderkey")
         .merge(t["customer"], left_on="o_custkey", right_on="c_custkey"))
    out = j[["c_name", "c_custkey", "o_orderkey", "o_orderdate", "o_totalprice", "sum_qty"]]
    return out.sort_values(["o_totalprice", "o_orderdate"], ascending=[False, True]).head(100)


def q19(t: T, m: Any) -> Any:
    li = t["lineitem"]
    li = li[li.l_shipmode.isin(["AIR", "AIR REG"]) & (li.l_shipinstruct == "DELIVER IN PERSON")]
    j = li.merge(t["part"], left_on="l_partkey", right_on="p_partkey")
    c1 = ((j.p_brand == "Brand#12") & j.p_container.isin(["SM CASE", "SM BOX", "SM PACK", "SM PKG"])
          & j.l_quantity.between(1, 11) & j.p_size.between(1, 5))
    c2 = ((j.p_brand == "Brand#23") & j.p_container.isin(["MED BAG", "MED BOX", "MED PKG", "MED PACK"])
          & j.l_quantity.between(10, 20) & j.p_size.between(1, 10))
    c3 = ((j.p_brand == "Brand#34") & j.p_container.isin(["LG CASE", "LG BOX", "LG PACK", "LG PKG"])
          & j.l_quantity.between(20, 30) & j.p_size.between(1, 15))
    j = j[c1 | c2 | c3]
    return m.DataFrame({"revenue": [float((j.l_extendedprice * (1 - j.l_discount)).sum())]})


def q20(t: T, m: Any) -> Any:
    part = t["part"][t["part"].p_name.str.startswith("forest")]
    li = t["lineitem"]
    li = li[(li.l_shipdate >= d("1994-01-01")) & (li.l_shipdate < d("1995-01-01"))]
    shipped = li.groupby(["l_partkey", "l_suppkey"], as_index=False).agg(qty=("l_quantity", "sum"))
    ps = t["partsupp"].merge(part[["p_partkey"]], left_on="ps_partkey", right_on="p_partkey")
    ps = ps.merge(shipped, left_on=["ps_partkey", "ps_suppkey"], right_on=["l_partkey", "l_suppkey"])
    ps = ps[ps.ps_availqty > 0.5 * ps.qty]
    n = t["nation"][t["nation"].n_name == "CANADA"]
    s = t["supplier"].merge(n, left_on="s_nationkey", right_on="n_nationkey")
    s = s[s.s_suppkey.isin(ps.ps_suppkey.unique())]
    return s[["s_name", "s_address"]].sort_values("s_name")


def q21(t: T, m: Any) -> Any:
    li = t["lineitem"]
    late = li[li.l_receiptdate > li.l_commitdate]
    n_supp = li.groupby("l_orderkey", as_index=False).agg(n_supp=("l_suppkey", "nunique"))
    n_late = late.groupby("l_orderkey", as_index=False).agg(n_late=("l_suppkey", "nunique"))
    o = t["orders"][t["orders"].o_orderstatus == "F"]
    n = t["nation"][t["nation"].n_name == "SAUDI ARABIA"]
    s = t["supplier"].merge(n, left_on="s_nationkey", right_on="n_nationkey")
    j = (late.merge(s, left_on="l_suppkey", right_on="s_suppkey")
         .merge(o, left_on="l_orderkey", right_on="o_orderkey")
         .merge(n_supp, on="l_orderkey").merge(n_late, on="l_orderkey"))
    j = j[(j.n_supp > 1) & (j.n_late == 1)]
    out = j.groupby("s_name", as_index=False).agg(numwait=("l_orderkey", "count"))
    return out.sort_values(["numwait", "s_name"], ascending=[False, True]).head(100)


def q22(t: T, m: Any) -> Any:
    c = t["customer"].assign(cntrycode=lambda x: x.c_phone.str.slice(0, 2))
    c = c[c.cntrycode.isin(["13", "31", "23", "29", "30", "18", "17"])]
    avg = c[c.c_acctbal > 0.0].c_acctbal.mean()
    c = c[c.c_acctbal > avg]
    with_orders = t["orders"].o_custkey.unique()
    c = c[~c.c_custkey.isin(with_orders)]
    out = c.groupby("cntrycode", as_index=False).agg(numcust=("c_custkey", "count"), totacctbal=("c_acctbal", "sum"))
    return out.sort_values("cntrycode")


QUERIES = {i: globals()[f"q{i}"] for i in range(1, 23)}
