-- D1: the amount of the orders placed each day of the store's calendar, split by where each
-- order stands as of $as_of (see winback.analyse.decomposition for the rules).
-- Parameters: $tz (IANA zone), $as_of (TIMESTAMPTZ), $first_day, $last_day (DATE or NULL),
--             $close_after (INTERVAL or NULL: days whose orders may still close are provisional).
-- Input relations: orders (winback.analyse.frames.ORDERS, the columns listed below),
--                  reported (winback.analyse.frames.REPORTED_EVENTS; a source not in it
--                  reports every event).
WITH placed AS (
    SELECT
        CAST(timezone($tz, created_at) AS DATE) AS day,
        status,
        COALESCE(total_amount, 0) AS amount,
        GREATEST(LEAST(COALESCE(refund_amount, 0), COALESCE(total_amount, 0)), 0) AS refund,
        COALESCE(reported.shipping, TRUE) AS reports_shipping,
        COALESCE(reported.settlement, TRUE) AS reports_settlement,
        -- An event counts when its time is at or before $as_of. An event the status implies
        -- but whose time is missing happened no later than the next recorded event after it,
        -- so it counts when that one does (and, with none recorded, counts as done).
        CASE
            WHEN status IN ('paid', 'shipped', 'delivered', 'settled', 'cancelled', 'refunded')
                THEN COALESCE(
                    COALESCE(paid_at, shipped_at, delivered_at, settled_at, refunded_at) <= $as_of,
                    TRUE
                )
            ELSE FALSE
        END AS paid,
        CASE
            WHEN status IN ('shipped', 'delivered', 'settled')
                THEN COALESCE(COALESCE(shipped_at, delivered_at, settled_at) <= $as_of, TRUE)
            WHEN status = 'refunded' THEN COALESCE(shipped_at <= $as_of, FALSE)
            ELSE FALSE
        END AS shipped,
        CASE
            WHEN status IN ('delivered', 'settled')
                THEN COALESCE(COALESCE(delivered_at, settled_at) <= $as_of, TRUE)
            WHEN status = 'refunded' THEN COALESCE(delivered_at <= $as_of, FALSE)
            ELSE FALSE
        END AS delivered,
        CASE
            WHEN status = 'settled' THEN COALESCE(settled_at <= $as_of, TRUE)
            WHEN status = 'refunded' THEN COALESCE(settled_at <= $as_of, FALSE)
            ELSE FALSE
        END AS settled,
        status = 'closed' AND COALESCE(closed_at <= $as_of, TRUE) AS closed,
        -- a cancellation or refund comes after the payment: not before it
        status IN ('cancelled', 'refunded')
            AND COALESCE(
                COALESCE(paid_at, shipped_at, delivered_at, settled_at, refunded_at) <= $as_of,
                TRUE
            )
            AND COALESCE(COALESCE(refunded_at, closed_at) <= $as_of, TRUE) AS returned,
        COALESCE(refunded_at <= $as_of, TRUE) AS refund_done
    FROM orders
    LEFT JOIN reported ON reported.platform = COALESCE(orders.platform, '')
    WHERE created_at <= $as_of
),
-- What went back: the stored refund amount (capped at the order amount) once done; an order
-- cancelled or refunded whose data carries no refund amount returned all of it.
refunds AS (
    SELECT
        *,
        CASE
            WHEN closed THEN 0
            WHEN returned THEN CASE WHEN refund > 0 THEN refund ELSE amount END
            WHEN paid AND refund_done THEN refund
            ELSE 0
        END AS refunded_amount
    FROM placed
),
parted AS (
    SELECT
        day,
        amount,
        refunded_amount,
        CASE
            WHEN closed THEN 'closed_before_payment'
            WHEN returned AND refunded_amount >= amount THEN 'refunded'
            WHEN settled AND reports_settlement THEN 'settled'
            WHEN (shipped OR delivered OR settled) AND reports_shipping AND NOT reports_settlement
                THEN 'shipped_settlement_unknown'
            WHEN (shipped OR delivered) AND reports_shipping THEN 'shipped'
            WHEN paid AND NOT reports_shipping THEN 'paid_shipping_unknown'
            WHEN paid THEN 'paid_not_shipped'
            ELSE 'unpaid'
        END AS part
    FROM refunds
),
daily AS (
    SELECT
        day,
        COUNT(*) AS orders,
        SUM(amount) AS amount,
        COUNT(*) FILTER (WHERE part = 'unpaid') AS unpaid_orders,
        SUM(amount) FILTER (WHERE part = 'unpaid') AS unpaid_amount,
        COUNT(*) FILTER (WHERE part = 'paid_not_shipped') AS paid_not_shipped_orders,
        SUM(amount - refunded_amount) FILTER (WHERE part = 'paid_not_shipped')
            AS paid_not_shipped_amount,
        COUNT(*) FILTER (WHERE part = 'shipped') AS shipped_orders,
        SUM(amount - refunded_amount) FILTER (WHERE part = 'shipped') AS shipped_amount,
        COUNT(*) FILTER (WHERE part = 'settled') AS settled_orders,
        SUM(amount - refunded_amount) FILTER (WHERE part = 'settled') AS settled_amount,
        COUNT(*) FILTER (WHERE part = 'paid_shipping_unknown') AS paid_shipping_unknown_orders,
        SUM(amount - refunded_amount) FILTER (WHERE part = 'paid_shipping_unknown')
            AS paid_shipping_unknown_amount,
        COUNT(*) FILTER (WHERE part = 'shipped_settlement_unknown')
            AS shipped_settlement_unknown_orders,
        SUM(amount - refunded_amount) FILTER (WHERE part = 'shipped_settlement_unknown')
            AS shipped_settlement_unknown_amount,
        COUNT(*) FILTER (WHERE part = 'closed_before_payment') AS closed_before_payment_orders,
        SUM(amount) FILTER (WHERE part = 'closed_before_payment') AS closed_before_payment_amount,
        COUNT(*) FILTER (WHERE part = 'refunded') AS refunded_orders,
        SUM(refunded_amount) AS refunded_amount
    FROM parted
    WHERE ($first_day IS NULL OR day >= $first_day) AND ($last_day IS NULL OR day <= $last_day)
    GROUP BY day
),
calendar AS (
    SELECT CAST(d AS DATE) AS day
    FROM range(
        COALESCE(CAST($first_day AS DATE), (SELECT MIN(day) FROM daily)),
        COALESCE(CAST($last_day AS DATE), (SELECT MAX(day) FROM daily)) + INTERVAL 1 DAY,
        INTERVAL 1 DAY
    ) AS t(d)
)
SELECT
    calendar.day,
    COALESCE(orders, 0) AS orders,
    CAST(COALESCE(amount, 0) AS DECIMAL(18, 2)) AS amount,
    COALESCE(unpaid_orders, 0) AS unpaid_orders,
    CAST(COALESCE(unpaid_amount, 0) AS DECIMAL(18, 2)) AS unpaid_amount,
    COALESCE(paid_not_shipped_orders, 0) AS paid_not_shipped_orders,
    CAST(COALESCE(paid_not_shipped_amount, 0) AS DECIMAL(18, 2)) AS paid_not_shipped_amount,
    COALESCE(shipped_orders, 0) AS shipped_orders,
    CAST(COALESCE(shipped_amount, 0) AS DECIMAL(18, 2)) AS shipped_amount,
    COALESCE(settled_orders, 0) AS settled_orders,
    CAST(COALESCE(settled_amount, 0) AS DECIMAL(18, 2)) AS settled_amount,
    COALESCE(paid_shipping_unknown_orders, 0) AS paid_shipping_unknown_orders,
    CAST(COALESCE(paid_shipping_unknown_amount, 0) AS DECIMAL(18, 2))
        AS paid_shipping_unknown_amount,
    COALESCE(shipped_settlement_unknown_orders, 0) AS shipped_settlement_unknown_orders,
    CAST(COALESCE(shipped_settlement_unknown_amount, 0) AS DECIMAL(18, 2))
        AS shipped_settlement_unknown_amount,
    COALESCE(closed_before_payment_orders, 0) AS closed_before_payment_orders,
    CAST(COALESCE(closed_before_payment_amount, 0) AS DECIMAL(18, 2))
        AS closed_before_payment_amount,
    COALESCE(refunded_orders, 0) AS refunded_orders,
    CAST(COALESCE(refunded_amount, 0) AS DECIMAL(18, 2)) AS refunded_amount,
    COALESCE(
        timezone($tz, CAST(calendar.day + INTERVAL 1 DAY AS TIMESTAMP)) + $close_after > $as_of,
        FALSE
    ) AS provisional
FROM calendar
LEFT JOIN daily USING (day)
ORDER BY calendar.day
