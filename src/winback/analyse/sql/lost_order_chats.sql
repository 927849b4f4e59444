-- The chat lines around each lost order: the buyer's conversation from $before before the
-- order was placed to $after after it (buyer matched by customer_key = buyer_key), plus every
-- line that carries the order id. A line is listed once per order.
-- Parameters: $before, $after (INTERVAL).
-- Input relations: lost (order_id, customer_key, created_at), chats (CHATS with chat_row).
WITH matched AS (
    SELECT lost.order_id, chats.chat_row
    FROM lost
    JOIN chats
      ON chats.buyer_key = lost.customer_key
     AND chats.sent_at BETWEEN lost.created_at - $before AND lost.created_at + $after
    UNION
    SELECT lost.order_id, chats.chat_row
    FROM lost
    JOIN chats ON chats.order_id = lost.order_id
)
SELECT matched.order_id, chats.sent_at, chats.sender, chats.text, chats.staff
FROM matched
JOIN chats USING (chat_row)
ORDER BY matched.order_id, chats.sent_at, chats.chat_row
