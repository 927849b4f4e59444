-- A per-order kind's planned actions as PLANNED_ACTIONS rows, in order id and step order.
-- Parameters: $store_id, $playbook, $purpose, $shop and those the kind's fields bind. Input
-- relations: planned, chosen, templates (step, channel, is_returning, template).
-- Placeholders: {item}, {fields} (the kind's own template parameters, `name := value`
-- pairs over c).
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
    to_json(struct_pack(
        shop := $shop,
        order_id := c.order_id,
        order_ids := c.order_id,
        item := {item},
        amount := CAST(c.amount AS VARCHAR),
        buyer_type := CASE WHEN c.is_returning THEN 'returning' ELSE 'new' END,
        {fields}
    )) AS params,
    p.due_us,
    p.expires_us
FROM planned AS p
JOIN chosen AS c ON c.order_id = p.order_id
JOIN templates AS t
    ON t.step = p.step AND t.channel = p.channel AND t.is_returning = c.is_returning
ORDER BY c.order_id, p.step
