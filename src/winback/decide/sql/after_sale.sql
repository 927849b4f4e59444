-- The after-sale playbooks' orders (winback.decide.after_sale has the rules).
-- Parameters: $playbook, $store_id, $share. Input relations: orders
-- (winback.contracts.AFTER_SALE_ORDERS), earlier (EARLIER_STEPS).
-- Placeholders: {holdout}, {eligible} (a condition over the order's columns).
CREATE TEMP TABLE chosen AS
WITH candidates AS (
    SELECT
        *,
        epoch_us(created_at) AS created_us,
        epoch_us(shipped_at) AS shipped_us,
        epoch_us(delivered_at) AS delivered_us,
        epoch_us(settled_at) AS settled_us,
        -- paid_orders counts this order: a returning buyer had paid another one
        coalesce(paid_orders, 0) > 1 AS is_returning,
        CASE
            WHEN customer_key IS NOT NULL THEN 'buyer:' || customer_key
            ELSE 'order:' || order_id
        END AS unit
    FROM orders
    WHERE {eligible}
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
