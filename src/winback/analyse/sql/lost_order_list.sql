-- The lost orders (closed before payment, cancelled or refunded) placed in the period, one row
-- each, with the store-calendar day they were placed.
-- Parameters: $tz (IANA zone), $first_day, $last_day (DATE or NULL).
-- Input relation: orders (winback.analyse.lost_orders.LOST_COLUMNS).
SELECT
    order_id,
    customer_key,
    status,
    CAST(timezone($tz, created_at) AS DATE) AS day,
    created_at,
    paid_at,
    CAST(COALESCE(total_amount, 0) AS DECIMAL(18, 2)) AS amount,
    cancel_reason,
    close_reason,
    buyer_message
FROM orders
WHERE status IN ('closed', 'cancelled', 'refunded')
  AND ($first_day IS NULL OR CAST(timezone($tz, created_at) AS DATE) >= $first_day)
  AND ($last_day IS NULL OR CAST(timezone($tz, created_at) AS DATE) <= $last_day)
ORDER BY created_at, order_id
