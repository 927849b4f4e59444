-- The cancelled-order save's orders (winback.decide.cancel_save has the rules).
-- Parameters: $since_us, $now_us (cancelled in that window), $playbook, $store_id, $share.
-- Input relations: orders (winback.contracts.CANCELLED_ORDERS), earlier (EARLIER_STEPS).
-- Placeholder: {holdout}.
CREATE TEMP TABLE chosen AS
WITH candidates AS (
    SELECT
        *,
        epoch_us(created_at) AS created_us,
        epoch_us(cancelled_at) AS cancelled_us,
        coalesce(paid_orders, 0) > 0 AS is_returning,
        CASE
            WHEN customer_key IS NOT NULL THEN 'buyer:' || customer_key
            ELSE 'order:' || order_id
        END AS unit
    FROM orders
    WHERE reordered_by IS NULL
        AND epoch_us(cancelled_at) > $since_us
        AND epoch_us(cancelled_at) <= $now_us
),
prior AS (
    SELECT order_id, max(step) AS done_step
    FROM earlier
    WHERE playbook = $playbook
    GROUP BY order_id
)
SELECT
    c.*,
    {holdout} AS held_out,
    coalesce(p.done_step, 0) AS done_step
FROM candidates AS c
LEFT JOIN prior AS p ON p.order_id = c.order_id;
