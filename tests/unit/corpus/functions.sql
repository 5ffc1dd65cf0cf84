-- Function bodies: dollar quotes, DO blocks, SQL-standard BEGIN ATOMIC bodies.
CREATE FUNCTION add(a integer, b integer) RETURNS integer
    LANGUAGE sql IMMUTABLE
    AS $$ SELECT a + b; $$;

CREATE OR REPLACE FUNCTION touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    NEW.updated_at := now();  -- keep it fresh; always
    IF NEW.name IS NULL THEN
        RAISE EXCEPTION 'name is required; got %', NEW;
    END IF;
    RETURN NEW;
END;
$fn$;

CREATE FUNCTION nested_quotes() RETURNS text LANGUAGE plpgsql AS $outer$
DECLARE
    q text := $inner$ it's; "quoted" $inner$;
BEGIN
    EXECUTE format($q$SELECT %L; SELECT 2$q$, q);
    RETURN q || E'\'; tail';
END
$outer$;

DO $$
BEGIN
    PERFORM 1;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'app') THEN
        CREATE ROLE app;
    END IF;
END
$$;

DO LANGUAGE plpgsql $do$
DECLARE r record;
BEGIN
    FOR r IN SELECT 1 AS x LOOP
        RAISE NOTICE 'x=%; done', r.x;
    END LOOP;
END $do$;

DO 'BEGIN RAISE NOTICE ''single-quoted body; still one statement''; END';

CREATE FUNCTION atomic_add(a int, b int) RETURNS int
    LANGUAGE sql
    BEGIN ATOMIC
        SELECT a + b;
    END;

CREATE FUNCTION atomic_case(x int) RETURNS text
    LANGUAGE sql
BEGIN ATOMIC
    SELECT CASE WHEN x > 0 THEN CASE x WHEN 1 THEN 'one;' ELSE 'many' END
                ELSE 'none' END;
END;

CREATE PROCEDURE insert_two(a int, b int)
LANGUAGE sql
BEGIN ATOMIC
    INSERT INTO tbl VALUES (a);
    INSERT INTO tbl VALUES (CASE WHEN b IS NULL THEN 0 ELSE b END);
END;

CREATE FUNCTION labels(t tbl) RETURNS int
LANGUAGE sql
BEGIN ATOMIC
    SELECT t.end FROM tbl t;
    SELECT 1 AS end, 2 AS case;
    SELECT x end, y case FROM tbl;
    SELECT CASE WHEN true THEN 1 END AS end FROM tbl;
    SELECT (t).case FROM tbl t WHERE CASE t.case WHEN 1 THEN true ELSE false END;
END;

CREATE FUNCTION commented_body() RETURNS int
LANGUAGE sql
BEGIN ATOMIC
    -- a comment; inside the body
    SELECT 1; /* and a block; one */
    SELECT 'end; case' AS "end;";
END;

create function lower_case() returns int language sql begin atomic select 1; end;

CREATE FUNCTION empty_atomic() RETURNS void LANGUAGE sql BEGIN ATOMIC END;

CREATE FUNCTION returns_atomic(x int) RETURNS int LANGUAGE sql
BEGIN ATOMIC
    RETURN x + 1;
END;

CREATE FUNCTION sum_sql(VARIADIC nums int[]) RETURNS bigint LANGUAGE sql
RETURN (SELECT sum(n) FROM unnest(nums) AS n);

CREATE FUNCTION set_returning() RETURNS SETOF int LANGUAGE sql STABLE
AS 'SELECT 1; SELECT 2';

CREATE FUNCTION with_defaults(a int DEFAULT 1, b text DEFAULT ';') RETURNS text
LANGUAGE sql AS $$ SELECT a::text || b $$;

CALL insert_two(1, 2);
SELECT add(1, 2), atomic_case(1), sum_sql(1, 2, 3);

CREATE AGGREGATE my_sum(int) (SFUNC = int4pl, STYPE = int, INITCOND = '0');

CREATE OR REPLACE FUNCTION begin_as_name() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  RETURN 1;
END $$;

SELECT 1 AS begin, 2 AS atomic;
SELECT begin FROM (SELECT 1 AS begin) s;

BEGIN;
SELECT 'in a transaction';
COMMIT;
START TRANSACTION ISOLATION LEVEL SERIALIZABLE;
SAVEPOINT sp;
ROLLBACK TO SAVEPOINT sp;
RELEASE sp;
END;
