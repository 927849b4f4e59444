-- The planned reminders as PLANNED_ACTIONS rows, in unit and step order.
-- Parameters: $store_id, $playbook, $purpose, $shop, $zone, $pay_before, $cutoff (TIME or
-- NULL). Input relations: planned, units, templates (step, channel, is_returning, merged,
-- template). Placeholders: {local_expires}, {local_latest}, {local_due}.
SELECT
    $store_id AS store_id,
    CASE
        WHEN starts_with(u.unit, 'buyer:')
            THEN u.unit || ':' || $playbook || ':' || p.step || '@' || u.first_id
        ELSE u.unit || ':' || $playbook || ':' || p.step
    END AS key,
    $playbook AS playbook,
    p.step,
    p.channel,
    $purpose AS purpose,
    u.held_out,
    u.customer_id,
    u.order_ids,
    u.amount,
    t.template,
    json_merge_patch(
        to_json(struct_pack(
            shop := $shop,
            order_id := array_to_string(u.order_ids, ', '),
            order_ids := array_to_string(u.order_ids, ', '),
            orders := CAST(u.orders AS VARCHAR),
            order_count := CAST(u.orders AS VARCHAR),
            total := CAST(u.amount AS VARCHAR),
            item := u.item_text,
            ordered_at := strftime({local_latest}, '%m-%d %H:%M'),
            amount := CAST(u.amount AS VARCHAR),
            buyer_type := CASE WHEN u.is_returning THEN 'returning' ELSE 'new' END,
            closes_at := strftime({local_expires}, '%Y-%m-%d %H:%M'),
            pay_before := $pay_before,
            ships_today := CASE
                WHEN $cutoff IS NOT NULL AND CAST({local_due} AS TIME) < $cutoff THEN 'yes'
                ELSE 'no'
            END
        )),
        -- a null value leaves the key out: no probability without enough history
        json_object('payment_probability', printf('%.2f', p.probability))
    ) AS params,
    p.due_us,
    u.expires_us
FROM planned AS p
JOIN units AS u ON u.unit = p.unit
JOIN templates AS t
    ON t.step = p.step
    AND t.channel = p.channel
    AND t.is_returning = u.is_returning
    AND t.merged = (u.orders > 1)
ORDER BY u.unit, p.step
