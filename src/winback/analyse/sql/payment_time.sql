-- Time to payment, one row per order placed at or before the cut-off (PRODUCT D6).
-- Read by winback.analyse.payment_time (docs/payment-time.md), which documents the rules.
--
-- Input view `orders`: _row, customer_key, status, created_us, paid_us, closed_us,
-- close_inferred, band, method, platform, where the *_us columns are microseconds since the epoch (UTC), so no
-- time-zone extension is needed, and band, method and platform are integer segment codes
-- (passed through). The rows come back in no particular order: `_row` says which is which.
-- Parameters:
--   $cutoff_us        the cut-off
--   $deadline_us      the platform's auto-close deadline, NULL when unknown
--   $censor_at_close  true: an order closed unpaid is censored at its close;
--                     false: it stays at risk (and never pays) until the cut-off
--   $paid_statuses    the statuses that imply a payment (OrderStatus.was_paid)
WITH placed AS (
    SELECT
        _row,
        customer_key,
        created_us,
        band,
        method,
        platform,
        coalesce(paid_us IS NULL AND list_contains($paid_statuses, status), false)
            AS paid_time_unknown,
        -- a payment stamped before its order (clock skew) counts as paid at once
        CASE WHEN paid_us <= $cutoff_us THEN greatest(paid_us, created_us) END AS paid_us,
        -- a close time the data does not give (none, or inferred at the deadline) is no time
        -- to censor at: payments may come after the deadline, so such an order stays at risk,
        -- unpaid, until the cut-off
        coalesce(CASE WHEN NOT close_inferred THEN closed_us END, $cutoff_us) AS closed_us
    FROM orders
    WHERE created_us <= $cutoff_us
),
-- a buyer is returning on an order when one of their orders was paid before it was placed:
-- their first payment is enough (an aggregate and a hash join, no sort of all orders)
first_payment AS (
    SELECT customer_key, min(paid_us) AS first_paid_us
    FROM placed
    WHERE customer_key IS NOT NULL AND paid_us IS NOT NULL
    GROUP BY customer_key
)
SELECT
    _row,
    paid_time_unknown,
    paid_us IS NOT NULL AS paid,
    CAST(greatest(
        coalesce(
            paid_us,
            CASE WHEN $censor_at_close THEN least(closed_us, $cutoff_us) ELSE $cutoff_us END
        ) - created_us,
        0
    ) AS BIGINT) AS duration_us,
    coalesce(first_paid_us < created_us, false) AS returning_buyer,
    coalesce(created_us <= $cutoff_us - $deadline_us, false) AS mature,
    coalesce(paid_us - created_us > $deadline_us, false) AS paid_late,
    band,
    method,
    platform
FROM placed
LEFT JOIN first_payment USING (customer_key)
