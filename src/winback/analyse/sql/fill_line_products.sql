-- Order lines with product_id filled in: the stock rows' product id for the line's SKU (the
-- latest row that has one), else the line's title. See winback.analyse.lost_products.
WITH by_sku AS (
    SELECT sku, arg_max(product_id, "at") AS product_id
    FROM stock
    WHERE sku IS NOT NULL AND product_id IS NOT NULL
    GROUP BY sku
)
SELECT
    l.order_id, l.line_id, l.title, l.sku,
    coalesce(l.product_id, s.product_id, l.title) AS product_id,
    l.quantity, l.unit_price, l.colour, l.size
FROM lines l
LEFT JOIN by_sku s ON s.sku = l.sku
ORDER BY l.order_id, l.line_id
