-- Step $step of every chosen order that has not had it: due at its start (or now, or, with
-- $spaced, the gap after the order's last step, whichever is latest), on the channel of
-- the first rule that reaches the buyer, in the next call window for agent tasks ({window}:
-- due0 when the kind does not keep to them); planned only if that is before it expires.
-- With $one_per_unit, one order per buyer: the latest start. No channel: the order is
-- missed (with $unreachable_if_expired, even if its step had expired).
-- Parameters: $step, $now_us, $gap_us, $spaced, $one_per_unit, $unreachable_if_expired.
-- Input relations: chosen, last (order_id, last_us). Placeholders: {start}, {expires}
-- (microseconds), {channel}, {window}.
CREATE OR REPLACE TEMP TABLE pass AS
WITH current AS (
    SELECT c.*, {start} AS start_us, {expires} AS expires_us
    FROM chosen AS c
    WHERE c.done_step < $step
),
timed AS (
    SELECT
        cur.*,
        greatest(
            $now_us,
            cur.start_us,
            coalesce(CASE WHEN $spaced THEN l.last_us + $gap_us END, cur.start_us)
        ) AS due0
    FROM current AS cur
    LEFT JOIN last AS l ON l.order_id = cur.order_id
    WHERE cur.start_us IS NOT NULL AND cur.expires_us IS NOT NULL
),
chosen_channel AS (
    SELECT *, due0 - created_us AS age_us, CAST(NULL AS DOUBLE) AS probability FROM timed
),
channelled AS (
    SELECT *, {channel} AS channel FROM chosen_channel
)
SELECT
    order_id,
    unit,
    start_us,
    channel,
    CASE WHEN channel IN ('phone_task', 'chat_task') THEN {window} ELSE due0 END AS due_us,
    expires_us
FROM channelled;

INSERT INTO planned
SELECT order_id, $step, channel, due_us, expires_us
FROM pass
WHERE channel IS NOT NULL AND due_us < expires_us
QUALIFY NOT $one_per_unit
    OR row_number() OVER (PARTITION BY unit ORDER BY start_us DESC, order_id DESC) = 1;

INSERT INTO missed
SELECT order_id FROM pass
WHERE channel IS NULL AND ($unreachable_if_expired OR due_us < expires_us);

CREATE OR REPLACE TEMP TABLE last AS
SELECT order_id, max(at_us) AS last_us
FROM (
    SELECT order_id, prev_us AS at_us FROM chosen WHERE prev_us IS NOT NULL
    UNION ALL
    SELECT order_id, due_us FROM planned
)
GROUP BY order_id;
