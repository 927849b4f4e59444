-- Orders per day of the store's calendar, by status, with new and returning buyers.
-- A buyer is *returning* on an order when they paid for an earlier order (strictly before
-- this order was created); orders without a buyer count as new.
-- Parameters: $tz (IANA zone name). Input relation: orders (see overview.daily_overview).
WITH local AS (
    SELECT
        o.*,
        CAST(timezone($tz, o.created_at) AS DATE) AS day,
        EXISTS (
            SELECT 1 FROM orders AS earlier
            WHERE earlier.customer_key = o.customer_key
              AND earlier.paid_at IS NOT NULL
              AND earlier.paid_at < o.created_at
        ) AS returning_buyer
    FROM orders AS o
)
SELECT
    day,
    COUNT(*) AS orders,
    SUM(total_amount) AS amount,
    COUNT(*) FILTER (WHERE status = 'pending') AS pending,
    COUNT(*) FILTER (WHERE status = 'paid') AS paid,
    COUNT(*) FILTER (WHERE status = 'shipped') AS shipped,
    COUNT(*) FILTER (WHERE status = 'delivered') AS delivered,
    COUNT(*) FILTER (WHERE status = 'settled') AS settled,
    COUNT(*) FILTER (WHERE status = 'closed') AS closed,
    COUNT(*) FILTER (WHERE status = 'cancelled') AS cancelled,
    COUNT(*) FILTER (WHERE status = 'refunded') AS refunded,
    SUM(total_amount) FILTER (WHERE status = 'closed') AS closed_amount,
    COUNT(DISTINCT customer_key) FILTER (WHERE NOT returning_buyer) AS new_buyers,
    COUNT(DISTINCT customer_key) FILTER (WHERE returning_buyer) AS returning_buyers
FROM local
GROUP BY day
ORDER BY day
