-- Units on hand per product as of $as_of: the latest stock row of each variant at or before
-- $as_of, negative counts taken as 0. Parameters: $as_of. Input relation: stock.
WITH latest AS (
    SELECT
        arg_max(product_id, "at") AS product_id,
        arg_max(quantity, "at") AS quantity
    FROM stock
    WHERE "at" <= $as_of
    GROUP BY COALESCE(sku, concat_ws('/', product_id, COALESCE(colour, ''), COALESCE(size, '')))
)
SELECT product_id, SUM(GREATEST(quantity, 0)) AS on_hand
FROM latest
GROUP BY product_id
