-- Orders whose amount is far above the store's usual order (winback.analyse.outliers).
-- Parameters: $tz (IANA zone), $first_day, $last_day (DATE or NULL), $min_orders (INTEGER),
--             $min_times (DOUBLE), $max_score (DOUBLE).
-- Input relation: orders (order_id, status, created_at, total_amount).
WITH amounts AS (
    SELECT
        order_id,
        status,
        CAST(timezone($tz, created_at) AS DATE) AS day,
        total_amount AS amount,
        ln(CAST(total_amount AS DOUBLE)) AS log_amount
    FROM orders
    WHERE total_amount > 0
),
centre AS (
    SELECT count(*) AS n, median(amount) AS median_amount, median(log_amount) AS median_log
    FROM amounts
),
spread AS (
    SELECT median(abs(log_amount - median_log)) AS mad FROM amounts, centre
),
days AS (
    SELECT CAST(timezone($tz, created_at) AS DATE) AS day, sum(total_amount) AS day_amount
    FROM orders
    GROUP BY ALL
)
SELECT
    a.order_id,
    a.day,
    a.status,
    CAST(a.amount AS DECIMAL(18, 2)) AS amount,
    CAST(c.median_amount AS DECIMAL(18, 2)) AS median_amount,
    CAST(a.amount AS DOUBLE) / CAST(c.median_amount AS DOUBLE) AS times_median,
    CAST(a.amount AS DOUBLE) / CAST(d.day_amount AS DOUBLE) AS share_of_day
FROM amounts a
CROSS JOIN centre c
CROSS JOIN spread s
JOIN days d USING (day)
WHERE c.n >= $min_orders
  AND CAST(a.amount AS DOUBLE) >= $min_times * CAST(c.median_amount AS DOUBLE)
  AND (s.mad = 0 OR 0.6745 * (a.log_amount - c.median_log) / s.mad > $max_score)
  AND ($first_day IS NULL OR a.day >= $first_day)
  AND ($last_day IS NULL OR a.day <= $last_day)
ORDER BY a.amount DESC, a.order_id
