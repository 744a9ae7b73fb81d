"""The db-benchmark questions in SQL, as db-benchmark's DuckDB solution writes them."""

GROUPBY = {
    1: "SELECT id1, sum(v1) AS v1 FROM x GROUP BY id1",
    2: "SELECT id1, id2, sum(v1) AS v1 FROM x GROUP BY id1, id2",
    3: "SELECT id3, sum(v1) AS v1, avg(v3) AS v3 FROM x GROUP BY id3",
    4: "SELECT id4, avg(v1) AS v1, avg(v2) AS v2, avg(v3) AS v3 FROM x GROUP BY id4",
    5: "SELECT id6, sum(v1) AS v1, sum(v2) AS v2, sum(v3) AS v3 FROM x GROUP BY id6",
    6: "SELECT id4, id5, quantile_cont(v3, 0.5) AS median_v3, stddev(v3) AS sd_v3 FROM x GROUP BY id4, id5",
    7: "SELECT id3, max(v1) - min(v2) AS range_v1_v2 FROM x GROUP BY id3",
    8: ("SELECT id6, v3 FROM (SELECT id6, v3, row_number() OVER (PARTITION BY id6 ORDER BY v3 DESC) AS o "
        "FROM x WHERE v3 IS NOT NULL) WHERE o <= 2"),
    9: "SELECT id2, id4, pow(corr(v2, v1), 2) AS r2 FROM x GROUP BY id2, id4",
    10: ("SELECT id1, id2, id3, id4, id5, id6, sum(v3) AS v3, count(*) AS count FROM x "
         "GROUP BY id1, id2, id3, id4, id5, id6"),
}

JOIN = {
    1: "SELECT x.*, small.id4 AS id4_y, small.v2 FROM x JOIN small USING (id1)",
    2: ("SELECT x.*, medium.id1 AS id1_y, medium.id4 AS id4_y, medium.id5 AS id5_y, medium.v2 "
        "FROM x JOIN medium USING (id2)"),
    3: ("SELECT x.*, medium.id1 AS id1_y, medium.id4 AS id4_y, medium.id5 AS id5_y, medium.v2 "
        "FROM x LEFT JOIN medium USING (id2)"),
    4: ("SELECT x.*, medium.id1 AS id1_y, medium.id2 AS id2_y, medium.id4 AS id4_y, medium.v2 "
        "FROM x JOIN medium USING (id5)"),
    5: ("SELECT x.*, big.id1 AS id1_y, big.id2 AS id2_y, big.id4 AS id4_y, big.id5 AS id5_y, "
        "big.id6 AS id6_y, big.v2 FROM x JOIN big USING (id3)"),
}
