-- The planned follow-ups as PLANNED_ACTIONS rows, in order id and step order.
-- Parameters: $store_id, $playbook, $purpose, $shop, $zone. Input relations: planned, chosen,
-- templates (step, channel, is_returning, template), reasons (order_id, reason_params: JSON).
-- Placeholders: {item}, {local_created}, {local_closed}.
SELECT
    $store_id AS store_id,
    'order:' || c.order_id || ':' || $playbook || ':' || p.step AS key,
    $playbook AS playbook,
    p.step,
    p.channel,
    $purpose AS purpose,
    c.held_out,
    c.customer_id,
    [c.order_id] AS order_ids,
    c.amount,
    t.template,
    json_merge_patch(
        to_json(struct_pack(
            shop := $shop,
            order_id := c.order_id,
            order_ids := c.order_id,
            item := {item},
            amount := CAST(c.amount AS VARCHAR),
            buyer_type := CASE WHEN c.is_returning THEN 'returning' ELSE 'new' END,
            ordered_at := strftime({local_created}, '%Y-%m-%d %H:%M'),
            -- an inferred close time is never told as a fact; closed_by is the latest it was
            closed_at := CASE
                WHEN c.close_inferred THEN '' ELSE strftime({local_closed}, '%Y-%m-%d %H:%M')
            END,
            closed_by := strftime({local_closed}, '%Y-%m-%d %H:%M'),
            closed_at_inferred := CASE WHEN c.close_inferred THEN 'yes' ELSE 'no' END
        )),
        r.reason_params
    ) AS params,
    p.due_us,
    p.expires_us
FROM planned AS p
JOIN chosen AS c ON c.order_id = p.order_id
JOIN templates AS t
    ON t.step = p.step AND t.channel = p.channel AND t.is_returning = c.is_returning
JOIN reasons AS r ON r.order_id = c.order_id
ORDER BY c.order_id, p.step
