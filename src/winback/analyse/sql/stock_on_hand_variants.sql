-- Units on hand per product, colour and size as of $as_of: the latest stock row of each
-- variant at or before $as_of (negative counts as 0). A stock row without colour and size
-- takes them from the order lines of its SKU; rows that still name neither are left out
-- (they count for their product only, stock_on_hand.sql). Parameters: $as_of.
-- Input relations: stock (STOCK), lines (ORDER_LINES).
WITH latest AS (
    SELECT
        arg_max(sku, "at") AS sku,
        arg_max(product_id, "at") AS product_id,
        arg_max(colour, "at") AS colour,
        arg_max(size, "at") AS size,
        arg_max(quantity, "at") AS quantity
    FROM stock
    WHERE "at" <= $as_of
    GROUP BY COALESCE(sku, concat_ws('/', product_id, COALESCE(colour, ''), COALESCE(size, '')))
),
line_variants AS (
    SELECT sku, any_value(product_id) AS product_id, any_value(colour) AS colour,
           any_value(size) AS size
    FROM lines
    WHERE sku IS NOT NULL
    GROUP BY sku
),
named AS (
    SELECT
        COALESCE(latest.product_id, line_variants.product_id) AS product_id,
        CASE WHEN latest.colour IS NULL AND latest.size IS NULL
             THEN line_variants.colour ELSE latest.colour END AS colour,
        CASE WHEN latest.colour IS NULL AND latest.size IS NULL
             THEN line_variants.size ELSE latest.size END AS size,
        GREATEST(latest.quantity, 0) AS quantity
    FROM latest
    LEFT JOIN line_variants USING (sku)
)
SELECT product_id, COALESCE(colour, '') AS colour, COALESCE(size, '') AS size,
       SUM(quantity) AS on_hand
FROM named
WHERE product_id IS NOT NULL AND (colour IS NOT NULL OR size IS NOT NULL)
GROUP BY ALL
ORDER BY ALL
