-- The products of the lost orders placed in the period, largest lost amount first.
-- Input relations: lost (winback.analyse.lost_orders.lost_order_list), lines (ORDER_LINES).
-- Parameter: $limit (rows; NULL for all).
SELECT
    coalesce(l.product_id, l.title, l.sku) AS product_id,
    any_value(l.title ORDER BY l.title) AS title,
    count(DISTINCT l.order_id) AS orders,
    CAST(sum(l.quantity) AS BIGINT) AS quantity,
    CAST(sum(CAST(l.unit_price AS DECIMAL(38, 2)) * l.quantity) AS DECIMAL(18, 2)) AS amount,
    count(DISTINCT l.order_id) FILTER (WHERE o.status = 'closed') AS closed_orders,
    count(DISTINCT l.order_id) FILTER (WHERE o.status <> 'closed') AS cancelled_or_refunded_orders
FROM lines l
JOIN lost o ON o.order_id = l.order_id
GROUP BY 1
ORDER BY amount DESC, orders DESC, product_id
LIMIT coalesce($limit, 9223372036854775807)
