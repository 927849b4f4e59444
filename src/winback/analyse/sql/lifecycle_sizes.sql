-- W1: customers per segment at every day of points, the rules of lifecycle_segments.sql.
-- Parameters: $cutoff (INTEGER). Input relations: points (as_of), days (customer_key, day),
-- known (customer_key, first_seen_at).
WITH per AS (
    SELECT p.as_of, d.customer_key, COUNT(*) AS purchases, MAX(d.day) AS last_purchase
    FROM points p JOIN days d ON d.day <= p.as_of
    GROUP BY p.as_of, d.customer_key
),
prospects AS (
    SELECT DISTINCT p.as_of, CAST(k.customer_key AS VARCHAR) AS customer_key
    FROM points p JOIN known k
      ON k.first_seen_at IS NULL OR CAST(k.first_seen_at AS DATE) <= p.as_of
    WHERE k.customer_key IS NOT NULL
)
SELECT as_of, segment, COUNT(*) AS customers FROM (
    SELECT as_of,
           CASE WHEN as_of - last_purchase > $cutoff THEN 'lost'
                WHEN purchases >= 2 THEN 'active'
                ELSE 'repeat_seeking' END AS segment
    FROM per
    UNION ALL
    SELECT k.as_of, 'potential' FROM prospects k
    ANTI JOIN per ON per.as_of = k.as_of AND per.customer_key = k.customer_key
)
GROUP BY as_of, segment
