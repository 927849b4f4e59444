-- D2: the lost-order ratio per day of the store's calendar: orders closed before payment ÷
-- orders placed, and the closed orders split by whether the buyer consulted customer service.
-- Parameters: $tz (IANA zone), $window (INTERVAL), $threshold (DOUBLE),
--             $first_day, $last_day (DATE or NULL).
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
in_period AS (
    SELECT * FROM placed
    WHERE ($first_day IS NULL OR day >= $first_day) AND ($last_day IS NULL OR day <= $last_day)
),
closed AS (
    SELECT order_id, customer_key, created_at, day, amount FROM in_period WHERE closed
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
        COALESCE(CAST($first_day AS DATE), (SELECT MIN(day) FROM daily)),
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
)
SELECT
    day,
    orders,
    amount,
    closed_orders,
    closed_amount,
    CAST(closed_orders AS DOUBLE) / NULLIF(orders, 0) AS lost_ratio,
    CAST(closed_amount AS DOUBLE) / NULLIF(CAST(amount AS DOUBLE), 0) AS lost_amount_ratio,
    COALESCE(CAST(closed_orders AS DOUBLE) / NULLIF(orders, 0) > $threshold, FALSE) AS alert,
    CAST(SUM(closed_orders) OVER week AS DOUBLE) / NULLIF(SUM(orders) OVER week, 0)
        AS lost_ratio_7d,
    closed_consulted_orders,
    closed_consulted_amount,
    closed_orders - closed_consulted_orders AS closed_self_service_orders,
    CAST(closed_amount - closed_consulted_amount AS DECIMAL(18, 2)) AS closed_self_service_amount
FROM filled
WINDOW week AS (ORDER BY day ROWS BETWEEN 6 PRECEDING AND CURRENT ROW)
ORDER BY day
