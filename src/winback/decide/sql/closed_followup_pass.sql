-- Step $step of every chosen order that has not had it: the gap from the order's last
-- planned step, the channel at the due time, the call window for agent tasks.
-- Parameters: $step, $now_us, $after_us, $gap_us, $valid_for_us. Input relations: chosen,
-- last (order_id, last_us). Placeholders: {channel}, {window}.
CREATE OR REPLACE TEMP TABLE pass AS
WITH current AS (
    SELECT
        c.*,
        greatest(
            greatest($now_us, c.closed_us + $after_us),
            coalesce(l.last_us + $gap_us, greatest($now_us, c.closed_us + $after_us))
        ) AS due0
    FROM chosen AS c
    LEFT JOIN last AS l ON l.order_id = c.order_id
    WHERE c.done_step < $step
),
chosen_channel AS (
    SELECT
        *,
        due0 - created_us AS age_us,
        CAST(NULL AS DOUBLE) AS probability
    FROM current
),
channelled AS (
    SELECT *, {channel} AS channel FROM chosen_channel
),
windowed AS (
    SELECT
        *,
        CASE WHEN channel IN ('phone_task', 'chat_task') THEN {window} ELSE due0 END AS due_us
    FROM channelled
)
SELECT order_id, channel, due_us, closed_us + $valid_for_us AS expires_us
FROM windowed;

INSERT INTO planned
SELECT order_id, $step, channel, due_us, expires_us
FROM pass
WHERE channel IS NOT NULL AND due_us < expires_us;

INSERT INTO missed
SELECT order_id FROM pass WHERE channel IS NULL;

CREATE OR REPLACE TEMP TABLE last AS
SELECT order_id, max(at_us) AS last_us
FROM (
    SELECT order_id, prev_us AS at_us FROM chosen WHERE prev_us IS NOT NULL
    UNION ALL
    SELECT order_id, due_us FROM planned
)
GROUP BY order_id;
