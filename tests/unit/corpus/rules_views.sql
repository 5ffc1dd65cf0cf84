-- Rules, views, triggers, policies: parentheses around several statements.
CREATE TABLE shoe (name text, size int);
CREATE TABLE shoe_log (name text, at timestamptz DEFAULT now());
CREATE VIEW shoe_view AS SELECT name, size FROM shoe WHERE size > 0;

CREATE RULE shoe_ins AS ON INSERT TO shoe_view DO INSTEAD (
    INSERT INTO shoe VALUES (NEW.name, NEW.size);
    INSERT INTO shoe_log (name) VALUES (NEW.name);
);

CREATE RULE shoe_del AS ON DELETE TO shoe_view DO ALSO (
    DELETE FROM shoe WHERE name = OLD.name;
    INSERT INTO shoe_log (name) VALUES ('deleted; ' || OLD.name)
);

CREATE RULE shoe_upd AS ON UPDATE TO shoe_view DO INSTEAD
    UPDATE shoe SET size = NEW.size WHERE name = OLD.name;

CREATE RULE nothing AS ON INSERT TO shoe_log WHERE NEW.name = ';' DO INSTEAD NOTHING;

CREATE OR REPLACE RULE "weird; rule" AS ON INSERT TO shoe DO ALSO NOTIFY shoe_changes;

CREATE TRIGGER shoe_touch BEFORE UPDATE ON shoe
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
    EXECUTE FUNCTION touch_updated_at();

CREATE MATERIALIZED VIEW shoe_sizes AS
    SELECT size, count(*) AS n FROM shoe GROUP BY size
WITH NO DATA;

CREATE VIEW recursive_numbers AS
WITH RECURSIVE t(n) AS (VALUES (1) UNION ALL SELECT n + 1 FROM t WHERE n < 10)
SELECT n FROM t;

ALTER TABLE shoe ENABLE ROW LEVEL SECURITY;
CREATE POLICY shoe_owner ON shoe USING (name = current_user) WITH CHECK (size > 0);

COMMENT ON TABLE shoe IS 'shoes; with sizes';
COMMENT ON COLUMN shoe.size IS E'EU size\nnot US; never US';

SELECT * FROM shoe WHERE name IN (SELECT name FROM shoe_log WHERE name <> ';');
SELECT array[1, 2, 3], '{1,2;3}'::text, ROW(1, 'a;b');
SELECT jsonb_build_object('k', 'v;w') -> 'k', '{"a": ";"}'::jsonb ->> 'a';
SELECT x FROM generate_series(1, 3) AS x WHERE x % 2 = 1;
SELECT 1 WHERE 'a' LIKE '%;%' ESCAPE '\';

EXPLAIN (ANALYZE false, COSTS off) SELECT 1;
NOTIFY shoe_changes, 'payload; with semicolon';
LISTEN shoe_changes;
UNLISTEN *;
PREPARE q(int) AS SELECT $1 + 1;
EXECUTE q(1);
DEALLOCATE q;
