-- The steps still to plan per unit, before the gap between steps is kept: nominal due times
-- (P90 or the step's duration after the latest order, at least the floor, at most the limit),
-- a step that would not come after the previous one dropped, steps an earlier run planned
-- left out, and when several are overdue only the last, due now.
-- Parameters: $now_us, $returning_us, $first_floor_us. Input relations: units, steps
-- (step, after_us: NULL for the segment's P90), segments (segment, base_us).
CREATE TEMP TABLE todo AS
WITH raw AS (
    SELECT
        u.unit,
        s.step,
        u.done_step,
        u.limit_us,
        u.floor_us,
        least(
            greatest(
                u.latest_created_us + coalesce(
                    s.after_us,
                    greatest(d.base_us, $first_floor_us)
                        + CASE WHEN u.is_returning THEN $returning_us ELSE 0 END
                ),
                u.floor_us
            ),
            u.limit_us
        ) AS due_us
    FROM units AS u
    CROSS JOIN steps AS s
    JOIN segments AS d ON d.segment = u.segment
),
valid AS (
    SELECT
        *,
        max(due_us) OVER (
            PARTITION BY unit ORDER BY step ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
        ) AS before_us
    FROM raw
    WHERE due_us >= floor_us
),
nominal AS (
    SELECT
        *,
        max(CASE WHEN due_us <= $now_us THEN step END) OVER (PARTITION BY unit) AS last_overdue
    FROM valid
    WHERE (before_us IS NULL OR due_us > before_us) AND step > done_step
)
SELECT
    unit,
    step,
    CASE WHEN due_us <= $now_us THEN $now_us ELSE due_us END AS due_us,
    row_number() OVER (PARTITION BY unit ORDER BY step) AS rank
FROM nominal
WHERE due_us > $now_us OR (step = last_overdue AND $now_us < limit_us);
