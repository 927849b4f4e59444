-- The lines of lost orders that were lost to a stockout: the variant's stock was 0 (or less)
-- at the latest stock row at or before the order was placed, or - when no line of the order
-- was out of stock by the stock rows - the order's cancel/close reason says out of stock.
-- A variant is its SKU, or product id + colour + size when the SKU is missing.
-- Parameters: $pattern (regular expression over the lower-cased reasons).
-- Input relations: lost (order_id, created_at, cancel_reason, close_reason),
--                  lines (ORDER_LINES), stock (STOCK).
WITH lost_lines AS (
    SELECT
        lines.*,
        lost.created_at,
        COALESCE(lines.sku, concat_ws('/', lines.product_id, COALESCE(lines.colour, ''),
                                      COALESCE(lines.size, ''))) AS variant,
        regexp_matches(lower(concat_ws(' ', lost.cancel_reason, lost.close_reason)), $pattern)
            AS said_out_of_stock
    FROM lines
    JOIN lost USING (order_id)
),
levels AS (
    SELECT
        COALESCE(sku, concat_ws('/', product_id, COALESCE(colour, ''), COALESCE(size, '')))
            AS variant,
        "at",
        quantity
    FROM stock
),
checked AS (
    SELECT
        lost_lines.*,
        COALESCE(levels.quantity <= 0, FALSE) AS stock_zero
    FROM lost_lines
    ASOF LEFT JOIN levels
      ON lost_lines.variant = levels.variant AND lost_lines.created_at >= levels."at"
),
ordered AS (
    SELECT *, BOOL_OR(stock_zero) OVER (PARTITION BY order_id) AS order_has_zero FROM checked
)
SELECT
    order_id,
    product_id,
    title,
    colour,
    size,
    quantity,
    CAST(quantity * unit_price AS DECIMAL(18, 2)) AS amount,
    stock_zero,
    said_out_of_stock
FROM ordered
WHERE stock_zero OR (said_out_of_stock AND NOT order_has_zero)
ORDER BY order_id, line_id
