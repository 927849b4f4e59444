-- Step $step of every chosen order that has not had it: due $after_us after the
-- cancellation (not before now), the channel by the rules, useful until $valid_for_us after
-- the cancellation. Parameters: $step, $now_us, $after_us, $valid_for_us. Input relation:
-- chosen. Placeholder: {channel}.
CREATE OR REPLACE TEMP TABLE pass AS
WITH current AS (
    SELECT *, greatest($now_us, cancelled_us + $after_us) AS due_us
    FROM chosen
    WHERE done_step < $step
),
chosen_channel AS (
    SELECT *, due_us - created_us AS age_us, CAST(NULL AS DOUBLE) AS probability
    FROM current
)
SELECT order_id, {channel} AS channel, due_us, cancelled_us + $valid_for_us AS expires_us
FROM chosen_channel;

INSERT INTO planned
SELECT order_id, $step, channel, due_us, expires_us
FROM pass
WHERE channel IS NOT NULL AND due_us < expires_us;

INSERT INTO missed
SELECT order_id FROM pass WHERE channel IS NULL;
