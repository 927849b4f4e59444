-- Time to payment, one row per order placed at or before the cut-off (PRODUCT D6).
-- Read by winback.analyse.payment_time (docs/payment-time.md), which documents the rules.
--
-- Input view `orders`: _row, customer_key, status, created_us, paid_us, closed_us, where
-- the *_us columns are microseconds since the epoch (UTC), so no time-zone extension is needed.
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
        coalesce(paid_us IS NULL AND list_contains($paid_statuses, status), false)
            AS paid_time_unknown,
        -- a payment stamped before its order (clock skew) counts as paid at once
        CASE WHEN paid_us <= $cutoff_us THEN greatest(paid_us, created_us) END AS paid_us,
        -- a closed order without a close time closed at the deadline, if known
        coalesce(
            closed_us,
            CASE WHEN status = 'closed' THEN created_us + $deadline_us END,
            $cutoff_us
        ) AS closed_us
    FROM orders
    WHERE created_us <= $cutoff_us
)
SELECT
    _row,
    paid_time_unknown,
    paid_us IS NOT NULL AS paid,
    greatest(
        coalesce(
            paid_us,
            CASE WHEN $censor_at_close THEN least(closed_us, $cutoff_us) ELSE $cutoff_us END
        ) - created_us,
        0
    ) / 1e6 AS duration_s,
    coalesce(
        customer_key IS NOT NULL
        AND min(paid_us) OVER (PARTITION BY customer_key) < created_us,
        false
    ) AS returning,
    coalesce(created_us <= $cutoff_us - $deadline_us, false) AS mature
FROM placed
