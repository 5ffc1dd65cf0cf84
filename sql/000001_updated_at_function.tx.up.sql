-- Shared trigger function: every table with updated_at uses it.
CREATE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    -- Only bump the timestamp when something actually changed, so idempotent
    -- upserts (seeds) leave rows untouched.
    IF ROW(NEW.*) IS DISTINCT FROM ROW(OLD.*) THEN
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END;
$fn$;

COMMENT ON FUNCTION set_updated_at() IS 'BEFORE UPDATE trigger: keeps updated_at current';
