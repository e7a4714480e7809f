-- A check inside a statement: raises `message` when `ok` is not true, so that the transaction aborts.
-- The posting engine pipelines its COMMIT behind its writes (docs/ARCHITECTURE.md, "How a posting travels"):
-- a check of what they wrote must fail in the database, where it turns that COMMIT into a ROLLBACK.
CREATE FUNCTION ledger_check(ok boolean, message text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
  IF ok IS NOT TRUE THEN
    RAISE EXCEPTION '%', message;
  END IF;
  RETURN true;
END
$$;
