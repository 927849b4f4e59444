-- The store's orders as they stood at $as_of (winback.analyse.orders_as_of has the rules).
-- Parameters: $as_of (TIMESTAMPTZ), $close_after (INTERVAL).
-- Input relation: orders (winback.analyse.frames.ORDERS).
WITH placed AS (
    SELECT
        *,
        -- An event counts when its time is at or before $as_of. An event the status implies
        -- but whose time is missing happened no later than the next recorded event after it,
        -- so it counts when that one does (and, with none recorded, counts as done).
        CASE
            WHEN status IN ('paid', 'shipped', 'delivered', 'settled', 'cancelled', 'refunded')
                THEN COALESCE(
                    COALESCE(paid_at, shipped_at, delivered_at, settled_at, refunded_at) <= $as_of,
                    TRUE
                )
            ELSE FALSE
        END AS was_paid,
        CASE
            WHEN status IN ('shipped', 'delivered', 'settled')
                THEN COALESCE(COALESCE(shipped_at, delivered_at, settled_at) <= $as_of, TRUE)
            WHEN status = 'refunded' THEN COALESCE(shipped_at <= $as_of, FALSE)
            ELSE FALSE
        END AS was_shipped,
        CASE
            WHEN status IN ('delivered', 'settled')
                THEN COALESCE(COALESCE(delivered_at, settled_at) <= $as_of, TRUE)
            WHEN status = 'refunded' THEN COALESCE(delivered_at <= $as_of, FALSE)
            ELSE FALSE
        END AS was_delivered,
        CASE
            WHEN status = 'settled' THEN COALESCE(settled_at <= $as_of, TRUE)
            WHEN status = 'refunded' THEN COALESCE(settled_at <= $as_of, FALSE)
            ELSE FALSE
        END AS was_settled,
        status = 'closed' AND COALESCE(closed_at <= $as_of, TRUE) AS was_closed,
        status IN ('cancelled', 'refunded')
            AND COALESCE(COALESCE(refunded_at, closed_at) <= $as_of, TRUE) AS was_returned,
        created_at + $close_after AS deadline
    FROM orders
    WHERE created_at <= $as_of
),
judged AS (
    SELECT
        *,
        CASE
            WHEN was_returned THEN status
            WHEN was_closed THEN 'closed'
            WHEN was_settled THEN 'settled'
            WHEN was_delivered THEN 'delivered'
            WHEN was_shipped THEN 'shipped'
            WHEN was_paid THEN 'paid'
            WHEN deadline <= $as_of THEN 'closed'
            ELSE 'pending'
        END AS status_as_of
    FROM placed
)
SELECT
    * EXCLUDE (
        status, paid_at, shipped_at, delivered_at, settled_at, closed_at, refunded_at,
        refund_amount, was_paid, was_shipped, was_delivered, was_settled, was_closed,
        was_returned, deadline, status_as_of
    ),
    status_as_of AS status,
    CASE WHEN paid_at <= $as_of THEN paid_at END AS paid_at,
    CASE WHEN shipped_at <= $as_of THEN shipped_at END AS shipped_at,
    CASE WHEN delivered_at <= $as_of THEN delivered_at END AS delivered_at,
    CASE WHEN settled_at <= $as_of THEN settled_at END AS settled_at,
    CASE
        WHEN status_as_of NOT IN ('closed', 'cancelled') THEN NULL
        WHEN closed_at <= $as_of THEN closed_at
        WHEN status_as_of = 'closed' THEN LEAST(deadline, $as_of)
    END AS closed_at,
    CASE WHEN refunded_at <= $as_of THEN refunded_at END AS refunded_at,
    CASE WHEN COALESCE(refunded_at <= $as_of, TRUE) THEN refund_amount ELSE 0 END
        AS refund_amount,
    status_as_of = 'closed' AND NOT COALESCE(closed_at <= $as_of, FALSE) AS close_inferred
FROM judged
ORDER BY created_at, order_id
