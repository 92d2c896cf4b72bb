-- Double entry, enforced by the database: at COMMIT, every movement an insert, update or
-- delete touched must sum to zero in each currency. Deferred, so a movement's entries may be
-- written one by one inside the transaction; checked once per touched entry at commit.
-- Written by hand (drizzle-kit generate --custom): drizzle's schema cannot declare triggers.
CREATE FUNCTION ledger_movement_must_balance() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  -- An UPDATE may move an entry to another movement: the one it left must balance too.
  touched uuid[] := CASE TG_OP
    WHEN 'INSERT' THEN ARRAY[NEW.movement_id]
    WHEN 'DELETE' THEN ARRAY[OLD.movement_id]
    ELSE ARRAY[NEW.movement_id, OLD.movement_id]
  END;
  movement uuid;
  off record;
BEGIN
  FOREACH movement IN ARRAY touched LOOP
    SELECT currency, sum(amount) AS total INTO off
    FROM ledger_entries WHERE movement_id = movement
    GROUP BY currency HAVING sum(amount) <> 0
    LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION 'ledger movement % does not balance: its % entries sum to %', movement, off.currency, off.total
        USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_entries_movement_balanced', TABLE = 'ledger_entries';
    END IF;
  END LOOP;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER ledger_entries_movement_balanced
AFTER INSERT OR UPDATE OR DELETE ON ledger_entries
DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION ledger_movement_must_balance();
