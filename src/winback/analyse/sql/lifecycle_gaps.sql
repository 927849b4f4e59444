-- W1: the gaps in days between consecutive purchase days of one customer, each with its
-- length-bias weight 1 / (S - gap + 1), S the days from the first purchase to $as_of.
-- Parameters: $as_of (DATE). Input relation: days (customer_key, day).
WITH gaps AS (
    SELECT day - lag(day) OVER (PARTITION BY customer_key ORDER BY day) AS gap
    FROM days WHERE day <= $as_of
),
span AS (SELECT $as_of - MIN(day) AS span FROM days WHERE day <= $as_of)
SELECT gap, 1.0 / (span - gap + 1) AS weight
FROM gaps, span WHERE gap IS NOT NULL
ORDER BY gap
