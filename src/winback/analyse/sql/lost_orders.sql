-- D2: the lost-order ratio per day of the store's calendar: orders closed before payment ÷
-- orders placed, and the closed orders split by whether the buyer consulted customer service;
-- provisional days, the store's own baseline and the alert (winback.analyse.lost_orders).
-- Parameters: $tz (IANA zone), $window (INTERVAL), $threshold (DOUBLE),
--             $first_day, $last_day (DATE or NULL), $as_of (TIMESTAMPTZ or NULL),
--             $close_after (INTERVAL or NULL), $baseline_days, $min_baseline_days,
--             $min_baseline_orders (INTEGER), $z (DOUBLE, the one-sided normal quantile).
-- Input relations: orders (order_id, customer_key, status, created_at, total_amount),
--                  chats (buyer_key, sent_at, sender, order_id).
WITH placed AS (
    SELECT
        order_id,
        customer_key,
        created_at,
        status = 'closed' AS closed,
        COALESCE(total_amount, 0) AS amount,
        CAST(timezone($tz, created_at) AS DATE) AS day
    FROM orders
),
-- the period's orders, and the days before it that its trend and baseline look back on
in_period AS (
    SELECT * FROM placed
    WHERE ($last_day IS NULL OR day <= $last_day)
      AND ($first_day IS NULL
           OR day >= CAST($first_day AS DATE) - to_days(CAST(greatest($baseline_days, 6) AS INTEGER)))
),
closed AS (
    SELECT order_id, customer_key, created_at, day, amount
    FROM in_period
    WHERE closed AND ($first_day IS NULL OR day >= $first_day)
),
-- only the closed orders are matched against the chats, and they carry their day and amount
-- along, so the split needs no join back to all the orders
consulted AS (
    SELECT closed.order_id, closed.day, closed.amount
    FROM closed
    JOIN chats
      ON chats.buyer_key = closed.customer_key
     AND chats.sender = 'buyer'
     AND chats.sent_at BETWEEN closed.created_at - $window AND closed.created_at
    UNION
    SELECT closed.order_id, closed.day, closed.amount
    FROM closed
    JOIN chats ON chats.order_id = closed.order_id
),
consulted_daily AS (
    SELECT day, COUNT(*) AS closed_consulted_orders, SUM(amount) AS closed_consulted_amount
    FROM consulted
    GROUP BY day
),
daily AS (
    SELECT
        day,
        COUNT(*) AS orders,
        SUM(amount) AS amount,
        COUNT(*) FILTER (WHERE closed) AS closed_orders,
        SUM(amount) FILTER (WHERE closed) AS closed_amount
    FROM in_period
    GROUP BY day
),
calendar AS (
    SELECT CAST(d AS DATE) AS day
    FROM range(
        LEAST(
            COALESCE(CAST($first_day AS DATE), (SELECT MIN(day) FROM daily)),
            COALESCE((SELECT MIN(day) FROM daily), CAST($first_day AS DATE))
        ),
        COALESCE(CAST($last_day AS DATE), (SELECT MAX(day) FROM daily)) + INTERVAL 1 DAY,
        INTERVAL 1 DAY
    ) AS t(d)
),
filled AS (
    SELECT
        calendar.day,
        COALESCE(orders, 0) AS orders,
        CAST(COALESCE(amount, 0) AS DECIMAL(18, 2)) AS amount,
        COALESCE(closed_orders, 0) AS closed_orders,
        CAST(COALESCE(closed_amount, 0) AS DECIMAL(18, 2)) AS closed_amount,
        COALESCE(closed_consulted_orders, 0) AS closed_consulted_orders,
        CAST(COALESCE(closed_consulted_amount, 0) AS DECIMAL(18, 2)) AS closed_consulted_amount
    FROM calendar
    LEFT JOIN daily USING (day)
    LEFT JOIN consulted_daily USING (day)
),
-- a day is provisional while an order placed on it could still be paid or closed
judged AS (
    SELECT
        *,
        COALESCE(
            timezone($tz, CAST(day + INTERVAL 1 DAY AS TIMESTAMP)) + $close_after > $as_of,
            FALSE
        ) AS provisional,
        CAST(closed_orders AS DOUBLE) / NULLIF(orders, 0) AS lost_ratio
    FROM filled
),
-- the trend and the baseline pool final days only: a provisional day's ratio is still rising
trended AS (
    SELECT
        *,
        SUM(CASE WHEN NOT provisional THEN closed_orders END) OVER week AS week_closed,
        SUM(CASE WHEN NOT provisional THEN orders END) OVER week AS week_orders,
        SUM(CASE WHEN NOT provisional THEN closed_orders END) OVER before AS base_closed,
        SUM(CASE WHEN NOT provisional THEN orders END) OVER before AS base_orders,
        COUNT(CASE WHEN NOT provisional AND orders > 0 THEN 1 END) OVER before AS base_days
    FROM judged
    WINDOW
        week AS (ORDER BY day ROWS BETWEEN 6 PRECEDING AND CURRENT ROW),
        before AS (ORDER BY day ROWS BETWEEN $baseline_days PRECEDING AND 1 PRECEDING)
),
-- a day is unusual for the store when the lower end of the one-sided Wilson score interval
-- of its ratio is above the baseline (Wilson 1927): few orders need a larger gap
scored AS (
    SELECT
        *,
        CASE
            WHEN base_days >= $min_baseline_days AND base_orders >= $min_baseline_orders
                THEN CAST(base_closed AS DOUBLE) / base_orders
        END AS baseline_ratio,
        CASE
            WHEN orders > 0 THEN (
                lost_ratio + $z * $z / (2 * orders)
                - $z * sqrt(lost_ratio * (1 - lost_ratio) / orders + $z * $z / (4 * orders * orders))
            ) / (1 + $z * $z / orders)
        END AS lost_ratio_low
    FROM trended
)
SELECT
    day,
    orders,
    amount,
    closed_orders,
    closed_amount,
    lost_ratio,
    CAST(closed_amount AS DOUBLE) / NULLIF(CAST(amount AS DOUBLE), 0) AS lost_amount_ratio,
    provisional,
    COALESCE(lost_ratio > $threshold, FALSE) AS above_threshold,
    baseline_ratio,
    COALESCE(lost_ratio_low > baseline_ratio, FALSE) AS above_baseline,
    NOT provisional
        AND COALESCE(lost_ratio > $threshold, FALSE)
        AND COALESCE(lost_ratio_low > baseline_ratio, baseline_ratio IS NULL) AS alert,
    CASE WHEN NOT provisional THEN CAST(week_closed AS DOUBLE) / NULLIF(week_orders, 0) END
        AS lost_ratio_7d,
    closed_consulted_orders,
    closed_consulted_amount,
    closed_orders - closed_consulted_orders AS closed_self_service_orders,
    CAST(closed_amount - closed_consulted_amount AS DECIMAL(18, 2)) AS closed_self_service_amount
FROM scored
WHERE $first_day IS NULL OR day >= $first_day
ORDER BY day
