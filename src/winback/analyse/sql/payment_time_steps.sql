-- The life tables of every D6 segment in one pass: per segment and distinct time to payment,
-- how many orders leave observation then (`removed`), how many of them paid (`events`), and
-- the counts the payment rate over mature orders needs. winback.analyse.payment_time turns
-- each segment's rows into a Kaplan–Meier curve (winback.analyse.survival).
--
-- Input view `per_order`: the output of payment_time.sql (duration_us, paid, returning_buyer,
-- mature, paid_late, paid_time_unknown and the integer segment codes band, method, platform); the orders
-- whose payment time is unknown are left out here.
-- Output: `dimension_id` 0 (all), 1 (buyer_type), 2 (amount_band), 3 (payment_method),
-- 4 (platform); `code` the segment's code in that dimension (0 for all; 0 new, 1 returning);
-- sorted by dimension, code and time.
WITH steps AS (
    SELECT
        grouping(returning_buyer, band, method, platform) AS grouping_id,
        returning_buyer,
        band,
        method,
        platform,
        duration_us,
        count(*) AS removed,
        count(*) FILTER (WHERE paid) AS events,
        count(*) FILTER (WHERE mature) AS mature,
        count(*) FILTER (WHERE paid AND mature) AS mature_events,
        count(*) FILTER (WHERE paid_late) AS late_events
    FROM per_order
    WHERE NOT paid_time_unknown
    GROUP BY GROUPING SETS (
        (duration_us),
        (returning_buyer, duration_us),
        (band, duration_us),
        (method, duration_us),
        (platform, duration_us)
    )
)
SELECT
    CASE grouping_id WHEN 15 THEN 0 WHEN 7 THEN 1 WHEN 11 THEN 2 WHEN 13 THEN 3 ELSE 4 END
        AS dimension_id,
    CAST(coalesce(CAST(returning_buyer AS INTEGER), band, method, platform, 0) AS INTEGER) AS code,
    duration_us,
    removed,
    events,
    mature,
    mature_events,
    late_events
FROM steps
ORDER BY dimension_id, code, duration_us
