-- Units sold per product, colour and size: lines of orders paid in ($since, $as_of] and still
-- kept (not closed, cancelled or refunded).
-- Parameters: $since, $as_of (TIMESTAMPTZ). Input relations: lines, orders.
SELECT
    lines.product_id,
    lines.colour,
    lines.size,
    any_value(lines.title) AS title,
    SUM(lines.quantity) AS quantity
FROM lines
JOIN orders USING (order_id)
WHERE orders.paid_at > $since AND orders.paid_at <= $as_of
  AND orders.status NOT IN ('closed', 'cancelled', 'refunded')
GROUP BY lines.product_id, lines.colour, lines.size
ORDER BY lines.product_id, lines.colour, lines.size
