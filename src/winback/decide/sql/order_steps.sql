-- The orders of a per-order kind (winback.decide.order_steps has the common rules, the
-- kind's module its own). Parameters: $playbook, $store_id, $share and those the kind's
-- condition binds. Input relations: orders (the kind's facts), earlier (EARLIER_STEPS).
-- Placeholders: {holdout}, {eligible} (a condition over the order's columns), {instants}
-- (`epoch_us(<name>_at) AS <name>_us, ` for each instant the kind reads), {returning}.
CREATE TEMP TABLE chosen AS
WITH candidates AS (
    SELECT
        *,
        epoch_us(created_at) AS created_us,
        {instants}
        {returning} AS is_returning,
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
