-- W1: customers and revenue per segment. Input relation: segments (segment, revenue).
SELECT segment, COUNT(*) AS customers, CAST(SUM(revenue) AS DECIMAL(18, 2)) AS revenue
FROM segments GROUP BY segment
