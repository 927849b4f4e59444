-- Stock rows with product_id filled in from the title where missing.
SELECT sku, coalesce(product_id, title) AS product_id, title, colour, size, quantity, "at"
FROM stock
