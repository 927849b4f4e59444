-- W1: one row per customer and calendar day with a purchase (docs/lifecycle.md): orders
-- closed before payment, cancelled or fully refunded are no purchase; a purchase is worth
-- the paid amount (else the total) minus partial refunds. The session time zone decides
-- the day. Parameters: $as_of (DATE), $no_purchase (VARCHAR[]).
-- Input relation: orders (customer_key, status, created_at, total_amount, paid_amount,
--                         refund_amount).
SELECT customer_key, day, SUM(amount) AS amount
FROM (
    SELECT CAST(customer_key AS VARCHAR) AS customer_key,
           CAST(created_at AS DATE) AS day,
           CAST(COALESCE(paid_amount, total_amount, 0) - COALESCE(refund_amount, 0)
                AS DECIMAL(18, 2)) AS amount
    FROM orders
    WHERE customer_key IS NOT NULL AND created_at IS NOT NULL
      AND (status IS NULL OR NOT list_contains($no_purchase, CAST(status AS VARCHAR)))
      AND NOT (COALESCE(refund_amount, 0) > 0
               AND COALESCE(refund_amount, 0) >= COALESCE(paid_amount, total_amount, 0))
)
WHERE day <= $as_of
GROUP BY customer_key, day
ORDER BY customer_key, day
