-- The unpaid playbook's units: one row per buyer (or order without a known buyer) with open
-- unpaid orders not placed again by the buyer (winback.decide.unpaid has the rules). One
-- grouped pass, no window over the orders: the latest order is the arg_max of (created,
-- order id), which keeps the memory to the groups.
-- Parameters: $now_us, $close_after_us, $close_margin_us, $floor_us, $playbook, $store_id,
-- $share. Input relations: orders (winback.contracts.OPEN_ORDERS), earlier (EARLIER_STEPS).
-- Placeholders: {segment} (the latest order's payment-time segment, over `o`, the latest
-- order), {holdout}, {item} (the first titles of the unit's orders, as a message names them).
CREATE TEMP TABLE units AS
WITH eligible AS (
    SELECT
        *,
        epoch_us(created_at) AS created_us,
        CASE
            WHEN customer_key IS NOT NULL THEN 'buyer:' || customer_key
            ELSE 'order:' || order_id
        END AS unit
    FROM orders
    WHERE reordered_by IS NULL
        AND epoch_us(created_at) <= $now_us
        AND $now_us < epoch_us(created_at) + $close_after_us
),
grouped AS (
    SELECT
        unit,
        list(order_id ORDER BY created_us, order_id) AS order_ids,
        sum(amount) AS amount,
        bool_or(coalesce(has_remark, false)) AS has_remark,
        count(*) AS orders,
        {item} AS item_text,
        min(created_us) AS first_created_us,
        arg_max(
            struct_pack(
                created_us, customer_id, paid_orders, amount, payment_method, platform,
                phone_known, phone_masked, email_known, email_masked,
                sms_granted, sms_refused, email_granted, email_refused,
                phone_granted, phone_refused, chat
            ),
            struct_pack(created_us, order_id)
        ) AS o
    FROM eligible
    GROUP BY unit
),
prior AS (
    SELECT e.unit, max(p.step) AS done_step, max(epoch_us(p.due_at)) AS prev_us
    FROM eligible AS e
    JOIN earlier AS p ON p.order_id = e.order_id AND p.playbook = $playbook
    GROUP BY e.unit
)
SELECT
    g.unit,
    g.order_ids,
    g.order_ids[1] AS first_id,
    g.amount,
    g.has_remark,
    g.orders,
    g.item_text,
    g.first_created_us,
    g.o.created_us AS latest_created_us,
    g.o.customer_id,
    coalesce(g.o.paid_orders, 0) > 0 AS is_returning,
    g.o.phone_known, g.o.phone_masked, g.o.email_known, g.o.email_masked,
    g.o.sms_granted, g.o.sms_refused, g.o.email_granted, g.o.email_refused,
    g.o.phone_granted, g.o.phone_refused, g.o.chat,
    {segment} AS segment,
    coalesce(p.done_step, 0) AS done_step,
    p.prev_us,
    {holdout} AS held_out,
    g.first_created_us + $close_after_us AS expires_us,
    g.first_created_us + $close_after_us - $close_margin_us AS limit_us,
    g.o.created_us + $floor_us AS floor_us
FROM grouped AS g
LEFT JOIN prior AS p ON p.unit = g.unit;
