-- One step of every unit that has a step of this rank left ($rank): the gap from the unit's
-- last planned step, the channel at the due time, the call window for agent tasks.
-- Parameters: $rank, $gap_us. Input relations: todo, units, last (unit, last_us), segments
-- (segment, curve_key, s_horizon), curve (curve_key, t_s, s).
-- Placeholders: {channel} (the rules' CASE), {window} (the next call window of due0).
CREATE OR REPLACE TEMP TABLE pass AS
WITH current AS (
    SELECT
        t.unit, t.step, u.limit_us, u.expires_us, u.amount, u.is_returning, u.has_remark,
        u.phone_known, u.phone_masked, u.email_known, u.email_masked,
        u.sms_granted, u.sms_refused, u.email_granted, u.email_refused,
        u.phone_granted, u.phone_refused, u.chat,
        u.first_created_us, u.latest_created_us, u.segment,
        l.last_us,
        CASE
            WHEN l.last_us IS NULL THEN t.due_us ELSE greatest(t.due_us, l.last_us + $gap_us)
        END AS due0
    FROM todo AS t
    JOIN units AS u ON u.unit = t.unit
    LEFT JOIN last AS l ON l.unit = t.unit
    WHERE t.rank = $rank
),
aged AS (
    SELECT
        c.*,
        c.due0 - c.first_created_us AS age_us,
        (c.due0 - c.latest_created_us) / 1000000.0 AS age_s,
        d.curve_key,
        d.s_horizon
    FROM current AS c
    JOIN segments AS d ON d.segment = c.segment
    WHERE c.last_us IS NULL OR c.due0 <= c.limit_us
),
probed AS (
    SELECT
        a.*,
        CASE
            WHEN a.curve_key IS NULL THEN NULL
            WHEN coalesce(k.s, 1.0) <= 0 THEN 0.0
            ELSE greatest(0.0, least(1.0, (coalesce(k.s, 1.0) - a.s_horizon) / coalesce(k.s, 1.0)))
        END AS probability
    FROM aged AS a
    ASOF LEFT JOIN curve AS k ON k.curve_key = a.curve_key AND a.age_s >= k.t_s
),
chosen AS (
    SELECT *, {channel} AS channel FROM probed
),
windowed AS (
    SELECT *, {window} AS window_us FROM chosen
)
SELECT
    unit,
    step,
    channel,
    probability,
    expires_us,
    CASE
        WHEN channel IN ('phone_task', 'chat_task') AND window_us <= limit_us THEN window_us
        ELSE due0
    END AS due_us
FROM windowed;

INSERT INTO planned
SELECT unit, step, channel, probability, due_us
FROM pass
WHERE channel IS NOT NULL AND due_us < expires_us;

INSERT INTO missed
SELECT DISTINCT unit FROM pass WHERE channel IS NULL;

CREATE OR REPLACE TEMP TABLE last AS
SELECT unit, max(at_us) AS last_us
FROM (
    SELECT unit, prev_us AS at_us FROM units WHERE prev_us IS NOT NULL
    UNION ALL
    SELECT unit, due_us FROM planned
)
GROUP BY unit;
