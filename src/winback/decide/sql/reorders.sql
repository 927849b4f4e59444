-- The re-order rule (winback.decide.reorders has it in words).
-- Parameters: $window, $items_window (INTERVAL, items_window >= window), $same_items (BOOLEAN).
-- Input relations: known (orders as of a moment), items (order_id, item), candidates (order_id).
-- The pairs are found on times first; the items are compared only where the time rule alone
-- does not decide (a million open orders, few of them placed again).
WITH lost AS (
    SELECT o.order_id, o.customer_key, o.created_at
    FROM known AS o
    WHERE o.status IN ('pending', 'closed')
        AND o.customer_key IS NOT NULL
        AND o.order_id IN (SELECT order_id FROM candidates)
),
later AS (
    SELECT
        o.order_id, o.customer_key, o.created_at, o.paid_at,
        o.status NOT IN ('pending', 'closed') AS paid,
        coalesce(o.paid_amount, o.total_amount) AS amount
    FROM known AS o
    WHERE o.customer_key IN (SELECT customer_key FROM lost)
),
pairs AS (
    SELECT
        x.order_id,
        y.order_id AS reordered_by,
        y.paid AS reorder_paid,
        CASE WHEN y.paid THEN y.paid_at END AS reorder_paid_at,
        CASE WHEN y.paid THEN y.amount END AS reorder_amount,
        y.created_at AS reordered_at,
        y.paid AND y.created_at <= x.created_at + $window AS by_payment
    FROM lost AS x
    JOIN later AS y
        ON y.customer_key = x.customer_key
        AND (y.created_at > x.created_at OR (y.created_at = x.created_at AND y.order_id > x.order_id))
    WHERE y.created_at <= x.created_at + $items_window
),
undecided AS (
    SELECT * FROM pairs WHERE NOT by_payment AND $same_items
),
needed AS (
    SELECT order_id FROM undecided
    UNION
    SELECT reordered_by FROM undecided
),
baskets AS (
    SELECT order_id, list(DISTINCT item) AS items
    FROM items
    WHERE item IS NOT NULL AND item <> '' AND order_id IN (SELECT order_id FROM needed)
    GROUP BY order_id
),
same_items AS (
    SELECT u.*
    FROM undecided AS u
    JOIN baskets AS bx ON bx.order_id = u.order_id
    JOIN baskets AS b_y ON b_y.order_id = u.reordered_by
    WHERE len(bx.items) > 0 AND list_has_all(b_y.items, bx.items)
),
matched AS (
    SELECT * FROM pairs WHERE by_payment
    UNION ALL
    SELECT * FROM same_items
)
SELECT order_id, reordered_by, reorder_paid, reorder_paid_at, reorder_amount
FROM matched
QUALIFY row_number() OVER (
    PARTITION BY order_id ORDER BY reorder_paid DESC, reordered_at, reordered_by
) = 1
ORDER BY order_id
