-- W1: each customer's lifecycle segment at $as_of with a churn cutoff of $cutoff days:
-- potential (known, no purchase), lost (last purchase more than $cutoff days ago), active
-- (2+ purchase days), repeat_seeking (one purchase day). Parameters: $as_of (DATE),
-- $cutoff (INTEGER). Input relations: days (customer_key, day, amount),
-- known (customer_key, first_seen_at).
WITH buyers AS (
    SELECT customer_key,
           COUNT(*) AS purchases,
           CAST(SUM(amount) AS DECIMAL(18, 2)) AS revenue,
           MIN(day) AS first_purchase,
           MAX(day) AS last_purchase
    FROM days WHERE day <= $as_of
    GROUP BY customer_key
),
prospects AS (
    SELECT DISTINCT CAST(customer_key AS VARCHAR) AS customer_key FROM known
    WHERE customer_key IS NOT NULL
      AND (first_seen_at IS NULL OR CAST(first_seen_at AS DATE) <= $as_of)
      AND CAST(customer_key AS VARCHAR) NOT IN (SELECT customer_key FROM buyers)
)
SELECT customer_key,
       CASE WHEN $as_of - last_purchase > $cutoff THEN 'lost'
            WHEN purchases >= 2 THEN 'active'
            ELSE 'repeat_seeking' END AS segment,
       purchases, revenue,
       CAST(revenue / purchases AS DECIMAL(18, 2)) AS avg_bill,
       first_purchase, last_purchase,
       $as_of - last_purchase AS days_since_last
FROM buyers
UNION ALL
SELECT customer_key, 'potential', 0, CAST(0 AS DECIMAL(18, 2)), CAST(NULL AS DECIMAL(18, 2)),
       CAST(NULL AS DATE), CAST(NULL AS DATE), CAST(NULL AS BIGINT)
FROM prospects
ORDER BY customer_key
