-- The closed follow-up's orders and passes (winback.decide.closed_followup has the rules).
-- Parameters: $start_us, $end_us (the store's yesterday), $playbook, $store_id, $share.
-- Input relations: orders (winback.contracts.CLOSED_ORDERS), earlier (EARLIER_STEPS).
-- Placeholder: {holdout}.
CREATE TEMP TABLE chosen AS
WITH candidates AS (
    SELECT
        *,
        epoch_us(created_at) AS created_us,
        epoch_us(closed_at) AS closed_us,
        coalesce(paid_orders, 0) > 0 AS is_returning,
        CASE
            WHEN customer_key IS NOT NULL THEN 'buyer:' || customer_key
            ELSE 'order:' || order_id
        END AS unit
    FROM orders
    WHERE reordered_by IS NULL
        AND epoch_us(closed_at) >= $start_us
        AND epoch_us(closed_at) < $end_us
),
prior AS (
    SELECT order_id, max(step) AS done_step, max(epoch_us(due_at)) AS prev_us
    FROM earlier
    WHERE playbook = $playbook
    GROUP BY order_id
)
SELECT
    c.*,
    {holdout} AS held_out,
    coalesce(p.done_step, 0) AS done_step,
    p.prev_us
FROM candidates AS c
LEFT JOIN prior AS p ON p.order_id = c.order_id;
