-- Rows written before this migration: their rowid order was their order.
UPDATE mentions SET position = rowid;
UPDATE status_tags SET position = rowid;
