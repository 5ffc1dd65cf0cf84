-- A migration history squashed into one file, in the style of a Bun/Trenova
-- project: types, tables, indexes, functions, grants.
CREATE EXTENSION IF NOT EXISTS "pgcrypto";
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

CREATE TYPE status_enum AS ENUM ('Active', 'Inactive', 'Pending;Review');
CREATE TYPE "equipment_class" AS ENUM ('Tractor', 'Trailer', 'Container');
ALTER TYPE status_enum ADD VALUE IF NOT EXISTS 'Archived' AFTER 'Inactive';

CREATE DOMAIN positive_money AS numeric(19, 4) CHECK (VALUE >= 0);

CREATE TABLE IF NOT EXISTS "business_units" (
    "id" varchar(100) NOT NULL,
    "name" varchar(100) NOT NULL,
    "code" varchar(10) NOT NULL,
    "status" status_enum NOT NULL DEFAULT 'Active',
    "metadata" jsonb DEFAULT '{}'::jsonb,
    "version" bigint NOT NULL DEFAULT 0,
    "created_at" bigint NOT NULL DEFAULT extract(epoch FROM current_timestamp)::bigint,
    "updated_at" bigint NOT NULL DEFAULT extract(epoch FROM current_timestamp)::bigint,
    CONSTRAINT "pk_business_units" PRIMARY KEY ("id"),
    CONSTRAINT "uq_business_units_code" UNIQUE ("code"),
    CONSTRAINT "chk_code_format" CHECK ("code" ~ '^[A-Z0-9;_-]+$')
);

CREATE TABLE "organizations" (
    "id" varchar(100) NOT NULL,
    "business_unit_id" varchar(100) NOT NULL,
    "name" varchar(100) NOT NULL,
    "scac_code" varchar(4),
    "dot_number" varchar(8),
    "timezone" varchar(100) NOT NULL DEFAULT 'America/New_York',
    "search_vector" tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', coalesce("name", '')), 'A') ||
        setweight(to_tsvector('simple', coalesce("scac_code", '')), 'B')
    ) STORED,
    CONSTRAINT "pk_organizations" PRIMARY KEY ("id", "business_unit_id"),
    CONSTRAINT "fk_organizations_business_unit" FOREIGN KEY ("business_unit_id")
        REFERENCES "business_units" ("id") ON UPDATE NO ACTION ON DELETE CASCADE
);

--bun:split

CREATE INDEX "idx_organizations_name" ON "organizations" ("name");
CREATE INDEX IF NOT EXISTS "idx_organizations_trgm" ON "organizations" USING gin ("name" gin_trgm_ops);
CREATE UNIQUE INDEX "uq_organizations_scac" ON "organizations" (lower("scac_code")) WHERE "scac_code" IS NOT NULL;
CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_organizations_search" ON "organizations" USING gin ("search_vector");
CREATE INDEX idx_bu_created ON business_units (created_at DESC NULLS LAST) INCLUDE (name);

COMMENT ON TABLE "organizations" IS 'Tenants; each owns its shipments';
COMMENT ON COLUMN "organizations"."dot_number" IS 'US DOT number (8 digits; optional)';

CREATE TABLE shipments (
    id varchar(100) PRIMARY KEY,
    organization_id varchar(100) NOT NULL,
    business_unit_id varchar(100) NOT NULL,
    pro_number varchar(100) NOT NULL,
    status varchar(20) NOT NULL CHECK (status IN ('New', 'InTransit', 'Delivered', 'Canceled')),
    weight numeric(10, 2) CHECK (weight > 0),
    pieces int,
    rating_details jsonb NOT NULL DEFAULT '[]',
    tags text[] NOT NULL DEFAULT '{}',
    ready_to_bill boolean NOT NULL DEFAULT false,
    FOREIGN KEY (organization_id, business_unit_id) REFERENCES organizations (id, business_unit_id) ON DELETE CASCADE
) PARTITION BY LIST (status);

CREATE TABLE shipments_new PARTITION OF shipments FOR VALUES IN ('New');
CREATE TABLE shipments_rest PARTITION OF shipments DEFAULT;

ALTER TABLE shipments ADD COLUMN IF NOT EXISTS "bol" varchar(100);
ALTER TABLE shipments ALTER COLUMN pieces SET DEFAULT 1, ALTER COLUMN pieces SET NOT NULL;
ALTER TABLE shipments DROP COLUMN IF EXISTS "obsolete" CASCADE;
ALTER TABLE shipments RENAME COLUMN bol TO bill_of_lading;
ALTER TABLE ONLY shipments ADD CONSTRAINT chk_pro CHECK (pro_number <> '') NOT VALID;
ALTER TABLE shipments VALIDATE CONSTRAINT chk_pro;

CREATE OR REPLACE FUNCTION shipments_search_trigger() RETURNS trigger AS $$
BEGIN
    NEW.tags := array_append(NEW.tags, 'indexed;');
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS shipments_search_update ON shipments;
CREATE TRIGGER shipments_search_update
    BEFORE INSERT OR UPDATE ON shipments
    FOR EACH ROW EXECUTE PROCEDURE shipments_search_trigger();

CREATE SEQUENCE IF NOT EXISTS pro_number_seq START WITH 1000 INCREMENT BY 1 CACHE 10;
ALTER SEQUENCE pro_number_seq OWNED BY shipments.pro_number;

GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO app;
GRANT USAGE ON SEQUENCE pro_number_seq TO app;
REVOKE ALL ON FUNCTION shipments_search_trigger() FROM PUBLIC;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO app;

INSERT INTO business_units (id, name, code) VALUES
    ('bu_01', 'Main; HQ', 'MAIN'),
    ('bu_02', 'O''Brien Freight', 'OBF'),
    ('bu_03', E'Tab\there', 'TAB')
ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name
RETURNING id;

UPDATE shipments SET rating_details = rating_details || '[{"rate": "1.5;"}]'::jsonb
WHERE id IN (SELECT id FROM shipments WHERE status = 'New' LIMIT 10);

DELETE FROM shipments USING organizations o
WHERE shipments.organization_id = o.id AND o.name LIKE '%test;%';

MERGE INTO shipments s
USING (VALUES ('s1', 'New')) AS v(id, status) ON s.id = v.id
WHEN MATCHED THEN UPDATE SET status = v.status
WHEN NOT MATCHED THEN DO NOTHING;

WITH moved AS (
    DELETE FROM shipments WHERE status = 'Canceled' RETURNING *
)
INSERT INTO shipments_rest SELECT * FROM moved;

CREATE STATISTICS IF NOT EXISTS shipments_stats (dependencies) ON organization_id, business_unit_id FROM shipments;
VACUUM (ANALYZE) shipments;
ANALYZE business_units;
REINDEX INDEX CONCURRENTLY idx_organizations_name;
CLUSTER business_units USING pk_business_units;
SET search_path TO public, "$user";
SET LOCAL statement_timeout = '5s';
RESET search_path;
SELECT set_config('search_path', '', false);
SELECT pg_catalog.setval('pro_number_seq', 1000, true);
LOCK TABLE shipments IN SHARE ROW EXCLUSIVE MODE;
TRUNCATE shipments_new RESTART IDENTITY CASCADE;
DROP INDEX CONCURRENTLY IF EXISTS "idx_organizations_trgm";
DROP TABLE IF EXISTS shipments_rest, shipments_new CASCADE;
DROP TYPE IF EXISTS "equipment_class";
