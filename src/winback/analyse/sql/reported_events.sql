-- Which later events each source's data can tell (winback.analyse.decomposition): shipping
-- when any order of the source carries a ship or delivery time or a shipped/delivered status,
-- settlement when any carries a settlement time or the settled status.
-- Input relation: orders (winback.analyse.frames.ORDERS, the raw rows, not an as-of reading).
SELECT
    COALESCE(platform, '') AS platform,
    bool_or(shipped_at IS NOT NULL OR delivered_at IS NOT NULL
            OR status IN ('shipped', 'delivered')) AS shipping,
    bool_or(settled_at IS NOT NULL OR status = 'settled') AS settlement
FROM orders
GROUP BY ALL
ORDER BY platform
