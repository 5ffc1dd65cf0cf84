-- A migration history in Bun's layout, one version after another, as a
-- squashed dump would show it: up and down SQL of each, with the comments
-- real projects leave behind.

-- 000001_create_customers.up.sql
CREATE TABLE IF NOT EXISTS "customers" (
    id varchar(100) NOT NULL,
    business_unit_id varchar(100) NOT NULL,
    organization_id varchar(100) NOT NULL,
    settings jsonb NOT NULL DEFAULT '{"mode": "auto;"}'::jsonb,
    is_active boolean NOT NULL DEFAULT true,
    amount numeric(19, 4) NOT NULL DEFAULT 0,
    code varchar(10) NOT NULL,
    version bigint NOT NULL DEFAULT 0,
    created_at bigint NOT NULL DEFAULT extract(epoch FROM current_timestamp)::bigint,
    CONSTRAINT "pk_customers" PRIMARY KEY ("id", "business_unit_id", "organization_id")
);

--bun:split
CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_customers_bu_org" ON "customers" ("business_unit_id", "organization_id");

-- 000001_create_customers.down.sql
DROP INDEX CONCURRENTLY IF EXISTS "idx_customers_bu_org";
DROP TABLE IF EXISTS "customers" CASCADE;

-- 000002_create_locations.tx.up.sql
CREATE TABLE IF NOT EXISTS "locations" (
    id varchar(100) NOT NULL,
    business_unit_id varchar(100) NOT NULL,
    organization_id varchar(100) NOT NULL,
    sort_order int NOT NULL DEFAULT 0,
    name varchar(100) NOT NULL,
    is_active boolean NOT NULL DEFAULT true,
    effective_date bigint,
    version bigint NOT NULL DEFAULT 0,
    created_at bigint NOT NULL DEFAULT extract(epoch FROM current_timestamp)::bigint,
    CONSTRAINT "pk_locations" PRIMARY KEY ("id", "business_unit_id", "organization_id")
);

--bun:split
CREATE INDEX IF NOT EXISTS "idx_locations_bu_org" ON "locations" ("business_unit_id", "organization_id");

-- 000002_create_locations.tx.down.sql
DROP INDEX IF EXISTS "idx_locations_bu_org";
DROP TABLE IF EXISTS "locations" CASCADE;

-- 000003_create_workers.up.sql
CREATE TABLE IF NOT EXISTS "workers" (
    id varchar(100) NOT NULL,
    business_unit_id varchar(100) NOT NULL,
    organization_id varchar(100) NOT NULL,
    settings jsonb NOT NULL DEFAULT '{"mode": "auto;"}'::jsonb,
    description text,
    is_active boolean NOT NULL DEFAULT true,
    effective_date bigint,
    version bigint NOT NULL DEFAULT 0,
    created_at bigint NOT NULL DEFAULT extract(epoch FROM current_timestamp)::bigint,
    CONSTRAINT "pk_workers" PRIMARY KEY ("id", "business_unit_id", "organization_id")
);

--bun:split
CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_workers_bu_org" ON "workers" ("business_unit_id", "organization_id");
CREATE INDEX CONCURRENTLY "idx_workers_created" ON "workers" (created_at DESC) WHERE version >= 0;

-- 000003_create_workers.down.sql
DROP INDEX CONCURRENTLY IF EXISTS "idx_workers_bu_org";
DROP TABLE IF EXISTS "workers" CASCADE;

-- 000004_create_tractors.tx.up.sql
CREATE TABLE IF NOT EXISTS "tractors" (
    id varchar(100) NOT NULL,
    business_unit_id varchar(100) NOT NULL,
    organization_id varchar(100) NOT NULL,
    label text COLLATE "C",
    color varchar(10) CHECK (color ~ '^#[0-9a-fA-F]{6}$'),
    code varchar(10) NOT NULL,
    notes text DEFAULT '',
    version bigint NOT NULL DEFAULT 0,
    created_at bigint NOT NULL DEFAULT extract(epoch FROM current_timestamp)::bigint,
    CONSTRAINT "pk_tractors" PRIMARY KEY ("id", "business_unit_id", "organization_id")
);

--bun:split
CREATE INDEX IF NOT EXISTS "idx_tractors_bu_org" ON "tractors" ("business_unit_id", "organization_id");
COMMENT ON TABLE "tractors" IS 'Stores tractors; scoped by organization';

-- 000004_create_tractors.tx.down.sql
DROP INDEX IF EXISTS "idx_tractors_bu_org";
DROP TABLE IF EXISTS "tractors" CASCADE;

-- 000005_create_trailers.up.sql
CREATE TABLE IF NOT EXISTS "trailers" (
    id varchar(100) NOT NULL,
    business_unit_id varchar(100) NOT NULL,
    organization_id varchar(100) NOT NULL,
    code varchar(10) NOT NULL,
    label text COLLATE "C",
    status status_enum NOT NULL DEFAULT 'Active',
    name varchar(100) NOT NULL,
    version bigint NOT NULL DEFAULT 0,
    created_at bigint NOT NULL DEFAULT extract(epoch FROM current_timestamp)::bigint,
    CONSTRAINT "pk_trailers" PRIMARY KEY ("id", "business_unit_id", "organization_id")
);

--bun:split
CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_trailers_bu_org" ON "trailers" ("business_unit_id", "organization_id");
ALTER TABLE "trailers" ADD CONSTRAINT "fk_trailers_bu" FOREIGN KEY ("business_unit_id") REFERENCES business_units ("id") ON DELETE CASCADE;

-- 000005_create_trailers.down.sql
DROP INDEX CONCURRENTLY IF EXISTS "idx_trailers_bu_org";
DROP TABLE IF EXISTS "trailers" CASCADE;

-- 000006_create_commodities.tx.up.sql
CREATE TABLE IF NOT EXISTS "commodities" (
    id varchar(100) NOT NULL,
    business_unit_id varchar(100) NOT NULL,
    organization_id varchar(100) NOT NULL,
    code varchar(10) NOT NULL,
    effective_date bigint,
    settings jsonb NOT NULL DEFAULT '{"mode": "auto;"}'::jsonb,
    description text,
    version bigint NOT NULL DEFAULT 0,
    created_at bigint NOT NULL DEFAULT extract(epoch FROM current_timestamp)::bigint,
    CONSTRAINT "pk_commodities" PRIMARY KEY ("id", "business_unit_id", "organization_id")
);

--bun:split
CREATE INDEX IF NOT EXISTS "idx_commodities_bu_org" ON "commodities" ("business_unit_id", "organization_id");
CREATE INDEX "idx_commodities_created" ON "commodities" (created_at DESC) WHERE version >= 0;
CREATE OR REPLACE FUNCTION commodities_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.version := OLD.version + 1; -- optimistic locking; see repository
    RETURN NEW;
END;
$$;
CREATE TRIGGER trg_commodities_version BEFORE UPDATE ON "commodities" FOR EACH ROW EXECUTE FUNCTION commodities_version();

-- 000006_create_commodities.tx.down.sql
DROP TRIGGER IF EXISTS trg_commodities_version ON "commodities";
DROP FUNCTION IF EXISTS commodities_version();
DROP INDEX IF EXISTS "idx_commodities_bu_org";
DROP TABLE IF EXISTS "commodities" CASCADE;

-- 000007_create_hazmat_classes.up.sql
CREATE TABLE IF NOT EXISTS "hazmat_classes" (
    id varchar(100) NOT NULL,
    business_unit_id varchar(100) NOT NULL,
    organization_id varchar(100) NOT NULL,
    label text COLLATE "C",
    description text,
    amount numeric(19, 4) NOT NULL DEFAULT 0,
    status status_enum NOT NULL DEFAULT 'Active',
    version bigint NOT NULL DEFAULT 0,
    created_at bigint NOT NULL DEFAULT extract(epoch FROM current_timestamp)::bigint,
    CONSTRAINT "pk_hazmat_classes" PRIMARY KEY ("id", "business_unit_id", "organization_id")
);

--bun:split
CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_hazmat_classes_bu_org" ON "hazmat_classes" ("business_unit_id", "organization_id");
INSERT INTO "hazmat_classes" (id, business_unit_id, organization_id) VALUES ('haz_01', 'bu_01', 'org_01') ON CONFLICT DO NOTHING;

-- 000007_create_hazmat_classes.down.sql
DROP INDEX CONCURRENTLY IF EXISTS "idx_hazmat_classes_bu_org";
DROP TABLE IF EXISTS "hazmat_classes" CASCADE;

-- 000008_create_fleet_codes.tx.up.sql
CREATE TABLE IF NOT EXISTS "fleet_codes" (
    id varchar(100) NOT NULL,
    business_unit_id varchar(100) NOT NULL,
    organization_id varchar(100) NOT NULL,
    label text COLLATE "C",
    color varchar(10) CHECK (color ~ '^#[0-9a-fA-F]{6}$'),
    description text,
    amount numeric(19, 4) NOT NULL DEFAULT 0,
    version bigint NOT NULL DEFAULT 0,
    created_at bigint NOT NULL DEFAULT extract(epoch FROM current_timestamp)::bigint,
    CONSTRAINT "pk_fleet_codes" PRIMARY KEY ("id", "business_unit_id", "organization_id")
);

--bun:split
CREATE INDEX IF NOT EXISTS "idx_fleet_codes_bu_org" ON "fleet_codes" ("business_unit_id", "organization_id");
COMMENT ON TABLE "fleet_codes" IS 'Stores fleet codes; scoped by organization';

-- 000008_create_fleet_codes.tx.down.sql
-- Not reversible: the data would be lost.
SELECT 1 /* placeholder so the down direction has a statement; */;

-- 000009_create_accessorial_charges.tx.up.sql
CREATE TABLE IF NOT EXISTS "accessorial_charges" (
    id varchar(100) NOT NULL,
    business_unit_id varchar(100) NOT NULL,
    organization_id varchar(100) NOT NULL,
    color varchar(10) CHECK (color ~ '^#[0-9a-fA-F]{6}$'),
    amount numeric(19, 4) NOT NULL DEFAULT 0,
    is_active boolean NOT NULL DEFAULT true,
    name varchar(100) NOT NULL,
    version bigint NOT NULL DEFAULT 0,
    created_at bigint NOT NULL DEFAULT extract(epoch FROM current_timestamp)::bigint,
    CONSTRAINT "pk_accessorial_charges" PRIMARY KEY ("id", "business_unit_id", "organization_id")
);

--bun:split
CREATE INDEX IF NOT EXISTS "idx_accessorial_charges_bu_org" ON "accessorial_charges" ("business_unit_id", "organization_id");
CREATE INDEX "idx_accessorial_charges_created" ON "accessorial_charges" (created_at DESC) WHERE version >= 0;

-- 000009_create_accessorial_charges.tx.down.sql
DROP INDEX IF EXISTS "idx_accessorial_charges_bu_org";
DROP TABLE IF EXISTS "accessorial_charges" CASCADE;

-- 000010_create_document_types.tx.up.sql
CREATE TABLE IF NOT EXISTS "document_types" (
    id varchar(100) NOT NULL,
    business_unit_id varchar(100) NOT NULL,
    organization_id varchar(100) NOT NULL,
    label text COLLATE "C",
    name varchar(100) NOT NULL,
    color varchar(10) CHECK (color ~ '^#[0-9a-fA-F]{6}$'),
    sort_order int NOT NULL DEFAULT 0,
    version bigint NOT NULL DEFAULT 0,
    created_at bigint NOT NULL DEFAULT extract(epoch FROM current_timestamp)::bigint,
    CONSTRAINT "pk_document_types" PRIMARY KEY ("id", "business_unit_id", "organization_id")
);

--bun:split
CREATE INDEX IF NOT EXISTS "idx_document_types_bu_org" ON "document_types" ("business_unit_id", "organization_id");
ALTER TABLE "document_types" ADD CONSTRAINT "fk_document_types_bu" FOREIGN KEY ("business_unit_id") REFERENCES business_units ("id") ON DELETE CASCADE;

-- 000010_create_document_types.tx.down.sql
DROP INDEX IF EXISTS "idx_document_types_bu_org";
DROP TABLE IF EXISTS "document_types" CASCADE;

-- 000011_create_rate_tables.up.sql
CREATE TABLE IF NOT EXISTS "rate_tables" (
    id varchar(100) NOT NULL,
    business_unit_id varchar(100) NOT NULL,
    organization_id varchar(100) NOT NULL,
    notes text DEFAULT '',
    code varchar(10) NOT NULL,
    name varchar(100) NOT NULL,
    status status_enum NOT NULL DEFAULT 'Active',
    version bigint NOT NULL DEFAULT 0,
    created_at bigint NOT NULL DEFAULT extract(epoch FROM current_timestamp)::bigint,
    CONSTRAINT "pk_rate_tables" PRIMARY KEY ("id", "business_unit_id", "organization_id")
);

--bun:split
CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_rate_tables_bu_org" ON "rate_tables" ("business_unit_id", "organization_id");

-- 000011_create_rate_tables.down.sql
DROP INDEX CONCURRENTLY IF EXISTS "idx_rate_tables_bu_org";
DROP TABLE IF EXISTS "rate_tables" CASCADE;

-- 000012_create_invoices.up.sql
CREATE TABLE IF NOT EXISTS "invoices" (
    id varchar(100) NOT NULL,
    business_unit_id varchar(100) NOT NULL,
    organization_id varchar(100) NOT NULL,
    label text COLLATE "C",
    description text,
    settings jsonb NOT NULL DEFAULT '{"mode": "auto;"}'::jsonb,
    name varchar(100) NOT NULL,
    version bigint NOT NULL DEFAULT 0,
    created_at bigint NOT NULL DEFAULT extract(epoch FROM current_timestamp)::bigint,
    CONSTRAINT "pk_invoices" PRIMARY KEY ("id", "business_unit_id", "organization_id")
);

--bun:split
CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_invoices_bu_org" ON "invoices" ("business_unit_id", "organization_id");
CREATE INDEX CONCURRENTLY "idx_invoices_created" ON "invoices" (created_at DESC) WHERE version >= 0;
COMMENT ON TABLE "invoices" IS 'Stores invoices; scoped by organization';
CREATE OR REPLACE FUNCTION invoices_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.version := OLD.version + 1; -- optimistic locking; see repository
    RETURN NEW;
END;
$$;
CREATE TRIGGER trg_invoices_version BEFORE UPDATE ON "invoices" FOR EACH ROW EXECUTE FUNCTION invoices_version();

-- 000012_create_invoices.down.sql
DROP TRIGGER IF EXISTS trg_invoices_version ON "invoices";
DROP FUNCTION IF EXISTS invoices_version();
DROP INDEX CONCURRENTLY IF EXISTS "idx_invoices_bu_org";
DROP TABLE IF EXISTS "invoices" CASCADE;

-- 000013_create_invoice_lines.tx.up.sql
CREATE TABLE IF NOT EXISTS "invoice_lines" (
    id varchar(100) NOT NULL,
    business_unit_id varchar(100) NOT NULL,
    organization_id varchar(100) NOT NULL,
    settings jsonb NOT NULL DEFAULT '{"mode": "auto;"}'::jsonb,
    status status_enum NOT NULL DEFAULT 'Active',
    sort_order int NOT NULL DEFAULT 0,
    is_active boolean NOT NULL DEFAULT true,
    version bigint NOT NULL DEFAULT 0,
    created_at bigint NOT NULL DEFAULT extract(epoch FROM current_timestamp)::bigint,
    CONSTRAINT "pk_invoice_lines" PRIMARY KEY ("id", "business_unit_id", "organization_id")
);

--bun:split
CREATE INDEX IF NOT EXISTS "idx_invoice_lines_bu_org" ON "invoice_lines" ("business_unit_id", "organization_id");

-- 000013_create_invoice_lines.tx.down.sql
DROP INDEX IF EXISTS "idx_invoice_lines_bu_org";
DROP TABLE IF EXISTS "invoice_lines" CASCADE;

-- 000014_create_stops.tx.up.sql
CREATE TABLE IF NOT EXISTS "stops" (
    id varchar(100) NOT NULL,
    business_unit_id varchar(100) NOT NULL,
    organization_id varchar(100) NOT NULL,
    description text,
    code varchar(10) NOT NULL,
    effective_date bigint,
    name varchar(100) NOT NULL,
    version bigint NOT NULL DEFAULT 0,
    created_at bigint NOT NULL DEFAULT extract(epoch FROM current_timestamp)::bigint,
    CONSTRAINT "pk_stops" PRIMARY KEY ("id", "business_unit_id", "organization_id")
);

--bun:split
CREATE INDEX IF NOT EXISTS "idx_stops_bu_org" ON "stops" ("business_unit_id", "organization_id");
INSERT INTO "stops" (id, business_unit_id, organization_id) VALUES ('sto_01', 'bu_01', 'org_01') ON CONFLICT DO NOTHING;

-- 000014_create_stops.tx.down.sql
DROP INDEX IF EXISTS "idx_stops_bu_org";
DROP TABLE IF EXISTS "stops" CASCADE;

-- 000015_create_moves.tx.up.sql
CREATE TABLE IF NOT EXISTS "moves" (
    id varchar(100) NOT NULL,
    business_unit_id varchar(100) NOT NULL,
    organization_id varchar(100) NOT NULL,
    settings jsonb NOT NULL DEFAULT '{"mode": "auto;"}'::jsonb,
    notes text DEFAULT '',
    effective_date bigint,
    status status_enum NOT NULL DEFAULT 'Active',
    version bigint NOT NULL DEFAULT 0,
    created_at bigint NOT NULL DEFAULT extract(epoch FROM current_timestamp)::bigint,
    CONSTRAINT "pk_moves" PRIMARY KEY ("id", "business_unit_id", "organization_id")
);

--bun:split
CREATE INDEX IF NOT EXISTS "idx_moves_bu_org" ON "moves" ("business_unit_id", "organization_id");
CREATE INDEX "idx_moves_created" ON "moves" (created_at DESC) WHERE version >= 0;
ALTER TABLE "moves" ADD CONSTRAINT "fk_moves_bu" FOREIGN KEY ("business_unit_id") REFERENCES business_units ("id") ON DELETE CASCADE;

-- 000015_create_moves.tx.down.sql
DROP INDEX IF EXISTS "idx_moves_bu_org";
DROP TABLE IF EXISTS "moves" CASCADE;

-- 000016_create_assignments.up.sql
CREATE TABLE IF NOT EXISTS "assignments" (
    id varchar(100) NOT NULL,
    business_unit_id varchar(100) NOT NULL,
    organization_id varchar(100) NOT NULL,
    description text,
    color varchar(10) CHECK (color ~ '^#[0-9a-fA-F]{6}$'),
    status status_enum NOT NULL DEFAULT 'Active',
    label text COLLATE "C",
    version bigint NOT NULL DEFAULT 0,
    created_at bigint NOT NULL DEFAULT extract(epoch FROM current_timestamp)::bigint,
    CONSTRAINT "pk_assignments" PRIMARY KEY ("id", "business_unit_id", "organization_id")
);

--bun:split
CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_assignments_bu_org" ON "assignments" ("business_unit_id", "organization_id");
COMMENT ON TABLE "assignments" IS 'Stores assignments; scoped by organization';

-- 000016_create_assignments.down.sql
-- Not reversible: the data would be lost.
SELECT 1 /* placeholder so the down direction has a statement; */;

-- 000017_create_comments.tx.up.sql
CREATE TABLE IF NOT EXISTS "comments" (
    id varchar(100) NOT NULL,
    business_unit_id varchar(100) NOT NULL,
    organization_id varchar(100) NOT NULL,
    code varchar(10) NOT NULL,
    settings jsonb NOT NULL DEFAULT '{"mode": "auto;"}'::jsonb,
    name varchar(100) NOT NULL,
    sort_order int NOT NULL DEFAULT 0,
    version bigint NOT NULL DEFAULT 0,
    created_at bigint NOT NULL DEFAULT extract(epoch FROM current_timestamp)::bigint,
    CONSTRAINT "pk_comments" PRIMARY KEY ("id", "business_unit_id", "organization_id")
);

--bun:split
CREATE INDEX IF NOT EXISTS "idx_comments_bu_org" ON "comments" ("business_unit_id", "organization_id");

-- 000017_create_comments.tx.down.sql
DROP INDEX IF EXISTS "idx_comments_bu_org";
DROP TABLE IF EXISTS "comments" CASCADE;

-- 000018_create_attachments.up.sql
CREATE TABLE IF NOT EXISTS "attachments" (
    id varchar(100) NOT NULL,
    business_unit_id varchar(100) NOT NULL,
    organization_id varchar(100) NOT NULL,
    effective_date bigint,
    sort_order int NOT NULL DEFAULT 0,
    settings jsonb NOT NULL DEFAULT '{"mode": "auto;"}'::jsonb,
    code varchar(10) NOT NULL,
    version bigint NOT NULL DEFAULT 0,
    created_at bigint NOT NULL DEFAULT extract(epoch FROM current_timestamp)::bigint,
    CONSTRAINT "pk_attachments" PRIMARY KEY ("id", "business_unit_id", "organization_id")
);

--bun:split
CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_attachments_bu_org" ON "attachments" ("business_unit_id", "organization_id");
CREATE INDEX CONCURRENTLY "idx_attachments_created" ON "attachments" (created_at DESC) WHERE version >= 0;
CREATE OR REPLACE FUNCTION attachments_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.version := OLD.version + 1; -- optimistic locking; see repository
    RETURN NEW;
END;
$$;
CREATE TRIGGER trg_attachments_version BEFORE UPDATE ON "attachments" FOR EACH ROW EXECUTE FUNCTION attachments_version();

-- 000018_create_attachments.down.sql
DROP TRIGGER IF EXISTS trg_attachments_version ON "attachments";
DROP FUNCTION IF EXISTS attachments_version();
DROP INDEX CONCURRENTLY IF EXISTS "idx_attachments_bu_org";
DROP TABLE IF EXISTS "attachments" CASCADE;

-- 000019_create_audit_entries.up.sql
CREATE TABLE IF NOT EXISTS "audit_entries" (
    id varchar(100) NOT NULL,
    business_unit_id varchar(100) NOT NULL,
    organization_id varchar(100) NOT NULL,
    label text COLLATE "C",
    settings jsonb NOT NULL DEFAULT '{"mode": "auto;"}'::jsonb,
    name varchar(100) NOT NULL,
    description text,
    version bigint NOT NULL DEFAULT 0,
    created_at bigint NOT NULL DEFAULT extract(epoch FROM current_timestamp)::bigint,
    CONSTRAINT "pk_audit_entries" PRIMARY KEY ("id", "business_unit_id", "organization_id")
);

--bun:split
CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_audit_entries_bu_org" ON "audit_entries" ("business_unit_id", "organization_id");

-- 000019_create_audit_entries.down.sql
DROP INDEX CONCURRENTLY IF EXISTS "idx_audit_entries_bu_org";
DROP TABLE IF EXISTS "audit_entries" CASCADE;

-- 000020_create_notifications.up.sql
CREATE TABLE IF NOT EXISTS "notifications" (
    id varchar(100) NOT NULL,
    business_unit_id varchar(100) NOT NULL,
    organization_id varchar(100) NOT NULL,
    status status_enum NOT NULL DEFAULT 'Active',
    code varchar(10) NOT NULL,
    settings jsonb NOT NULL DEFAULT '{"mode": "auto;"}'::jsonb,
    effective_date bigint,
    version bigint NOT NULL DEFAULT 0,
    created_at bigint NOT NULL DEFAULT extract(epoch FROM current_timestamp)::bigint,
    CONSTRAINT "pk_notifications" PRIMARY KEY ("id", "business_unit_id", "organization_id")
);

--bun:split
CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_notifications_bu_org" ON "notifications" ("business_unit_id", "organization_id");
COMMENT ON TABLE "notifications" IS 'Stores notifications; scoped by organization';
ALTER TABLE "notifications" ADD CONSTRAINT "fk_notifications_bu" FOREIGN KEY ("business_unit_id") REFERENCES business_units ("id") ON DELETE CASCADE;

-- 000020_create_notifications.down.sql
DROP INDEX CONCURRENTLY IF EXISTS "idx_notifications_bu_org";
DROP TABLE IF EXISTS "notifications" CASCADE;

-- 000021_create_user_roles.tx.up.sql
CREATE TABLE IF NOT EXISTS "user_roles" (
    id varchar(100) NOT NULL,
    business_unit_id varchar(100) NOT NULL,
    organization_id varchar(100) NOT NULL,
    label text COLLATE "C",
    is_active boolean NOT NULL DEFAULT true,
    effective_date bigint,
    description text,
    version bigint NOT NULL DEFAULT 0,
    created_at bigint NOT NULL DEFAULT extract(epoch FROM current_timestamp)::bigint,
    CONSTRAINT "pk_user_roles" PRIMARY KEY ("id", "business_unit_id", "organization_id")
);

--bun:split
CREATE INDEX IF NOT EXISTS "idx_user_roles_bu_org" ON "user_roles" ("business_unit_id", "organization_id");
CREATE INDEX "idx_user_roles_created" ON "user_roles" (created_at DESC) WHERE version >= 0;
INSERT INTO "user_roles" (id, business_unit_id, organization_id) VALUES ('use_01', 'bu_01', 'org_01') ON CONFLICT DO NOTHING;

-- 000021_create_user_roles.tx.down.sql
DROP INDEX IF EXISTS "idx_user_roles_bu_org";
DROP TABLE IF EXISTS "user_roles" CASCADE;

-- 000022_create_permissions.up.sql
CREATE TABLE IF NOT EXISTS "permissions" (
    id varchar(100) NOT NULL,
    business_unit_id varchar(100) NOT NULL,
    organization_id varchar(100) NOT NULL,
    description text,
    settings jsonb NOT NULL DEFAULT '{"mode": "auto;"}'::jsonb,
    is_active boolean NOT NULL DEFAULT true,
    notes text DEFAULT '',
    version bigint NOT NULL DEFAULT 0,
    created_at bigint NOT NULL DEFAULT extract(epoch FROM current_timestamp)::bigint,
    CONSTRAINT "pk_permissions" PRIMARY KEY ("id", "business_unit_id", "organization_id")
);

--bun:split
CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_permissions_bu_org" ON "permissions" ("business_unit_id", "organization_id");

-- 000022_create_permissions.down.sql
DROP INDEX CONCURRENTLY IF EXISTS "idx_permissions_bu_org";
DROP TABLE IF EXISTS "permissions" CASCADE;

-- 000023_create_shipment_types.tx.up.sql
CREATE TABLE IF NOT EXISTS "shipment_types" (
    id varchar(100) NOT NULL,
    business_unit_id varchar(100) NOT NULL,
    organization_id varchar(100) NOT NULL,
    color varchar(10) CHECK (color ~ '^#[0-9a-fA-F]{6}$'),
    status status_enum NOT NULL DEFAULT 'Active',
    settings jsonb NOT NULL DEFAULT '{"mode": "auto;"}'::jsonb,
    name varchar(100) NOT NULL,
    version bigint NOT NULL DEFAULT 0,
    created_at bigint NOT NULL DEFAULT extract(epoch FROM current_timestamp)::bigint,
    CONSTRAINT "pk_shipment_types" PRIMARY KEY ("id", "business_unit_id", "organization_id")
);

--bun:split
CREATE INDEX IF NOT EXISTS "idx_shipment_types_bu_org" ON "shipment_types" ("business_unit_id", "organization_id");

-- 000023_create_shipment_types.tx.down.sql
DROP INDEX IF EXISTS "idx_shipment_types_bu_org";
DROP TABLE IF EXISTS "shipment_types" CASCADE;

-- 000024_create_service_types.up.sql
CREATE TABLE IF NOT EXISTS "service_types" (
    id varchar(100) NOT NULL,
    business_unit_id varchar(100) NOT NULL,
    organization_id varchar(100) NOT NULL,
    settings jsonb NOT NULL DEFAULT '{"mode": "auto;"}'::jsonb,
    is_active boolean NOT NULL DEFAULT true,
    name varchar(100) NOT NULL,
    color varchar(10) CHECK (color ~ '^#[0-9a-fA-F]{6}$'),
    version bigint NOT NULL DEFAULT 0,
    created_at bigint NOT NULL DEFAULT extract(epoch FROM current_timestamp)::bigint,
    CONSTRAINT "pk_service_types" PRIMARY KEY ("id", "business_unit_id", "organization_id")
);

--bun:split
CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_service_types_bu_org" ON "service_types" ("business_unit_id", "organization_id");
CREATE INDEX CONCURRENTLY "idx_service_types_created" ON "service_types" (created_at DESC) WHERE version >= 0;
COMMENT ON TABLE "service_types" IS 'Stores service types; scoped by organization';
CREATE OR REPLACE FUNCTION service_types_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.version := OLD.version + 1; -- optimistic locking; see repository
    RETURN NEW;
END;
$$;
CREATE TRIGGER trg_service_types_version BEFORE UPDATE ON "service_types" FOR EACH ROW EXECUTE FUNCTION service_types_version();

-- 000024_create_service_types.down.sql
-- Not reversible: the data would be lost.
SELECT 1 /* placeholder so the down direction has a statement; */;

-- 000025_create_equipment_types.tx.up.sql
CREATE TABLE IF NOT EXISTS "equipment_types" (
    id varchar(100) NOT NULL,
    business_unit_id varchar(100) NOT NULL,
    organization_id varchar(100) NOT NULL,
    status status_enum NOT NULL DEFAULT 'Active',
    label text COLLATE "C",
    notes text DEFAULT '',
    amount numeric(19, 4) NOT NULL DEFAULT 0,
    version bigint NOT NULL DEFAULT 0,
    created_at bigint NOT NULL DEFAULT extract(epoch FROM current_timestamp)::bigint,
    CONSTRAINT "pk_equipment_types" PRIMARY KEY ("id", "business_unit_id", "organization_id")
);

--bun:split
CREATE INDEX IF NOT EXISTS "idx_equipment_types_bu_org" ON "equipment_types" ("business_unit_id", "organization_id");
ALTER TABLE "equipment_types" ADD CONSTRAINT "fk_equipment_types_bu" FOREIGN KEY ("business_unit_id") REFERENCES business_units ("id") ON DELETE CASCADE;

-- 000025_create_equipment_types.tx.down.sql
DROP INDEX IF EXISTS "idx_equipment_types_bu_org";
DROP TABLE IF EXISTS "equipment_types" CASCADE;

-- 000026_create_equipment_manufacturers.up.sql
CREATE TABLE IF NOT EXISTS "equipment_manufacturers" (
    id varchar(100) NOT NULL,
    business_unit_id varchar(100) NOT NULL,
    organization_id varchar(100) NOT NULL,
    description text,
    amount numeric(19, 4) NOT NULL DEFAULT 0,
    sort_order int NOT NULL DEFAULT 0,
    label text COLLATE "C",
    version bigint NOT NULL DEFAULT 0,
    created_at bigint NOT NULL DEFAULT extract(epoch FROM current_timestamp)::bigint,
    CONSTRAINT "pk_equipment_manufacturers" PRIMARY KEY ("id", "business_unit_id", "organization_id")
);

--bun:split
CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_equipment_manufacturers_bu_org" ON "equipment_manufacturers" ("business_unit_id", "organization_id");

-- 000026_create_equipment_manufacturers.down.sql
DROP INDEX CONCURRENTLY IF EXISTS "idx_equipment_manufacturers_bu_org";
DROP TABLE IF EXISTS "equipment_manufacturers" CASCADE;

-- 000027_create_trailer_types.tx.up.sql
CREATE TABLE IF NOT EXISTS "trailer_types" (
    id varchar(100) NOT NULL,
    business_unit_id varchar(100) NOT NULL,
    organization_id varchar(100) NOT NULL,
    name varchar(100) NOT NULL,
    color varchar(10) CHECK (color ~ '^#[0-9a-fA-F]{6}$'),
    effective_date bigint,
    sort_order int NOT NULL DEFAULT 0,
    version bigint NOT NULL DEFAULT 0,
    created_at bigint NOT NULL DEFAULT extract(epoch FROM current_timestamp)::bigint,
    CONSTRAINT "pk_trailer_types" PRIMARY KEY ("id", "business_unit_id", "organization_id")
);

--bun:split
CREATE INDEX IF NOT EXISTS "idx_trailer_types_bu_org" ON "trailer_types" ("business_unit_id", "organization_id");
CREATE INDEX "idx_trailer_types_created" ON "trailer_types" (created_at DESC) WHERE version >= 0;

-- 000027_create_trailer_types.tx.down.sql
DROP INDEX IF EXISTS "idx_trailer_types_bu_org";
DROP TABLE IF EXISTS "trailer_types" CASCADE;

-- 000028_create_tractor_types.up.sql
CREATE TABLE IF NOT EXISTS "tractor_types" (
    id varchar(100) NOT NULL,
    business_unit_id varchar(100) NOT NULL,
    organization_id varchar(100) NOT NULL,
    is_active boolean NOT NULL DEFAULT true,
    status status_enum NOT NULL DEFAULT 'Active',
    settings jsonb NOT NULL DEFAULT '{"mode": "auto;"}'::jsonb,
    description text,
    version bigint NOT NULL DEFAULT 0,
    created_at bigint NOT NULL DEFAULT extract(epoch FROM current_timestamp)::bigint,
    CONSTRAINT "pk_tractor_types" PRIMARY KEY ("id", "business_unit_id", "organization_id")
);

--bun:split
CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_tractor_types_bu_org" ON "tractor_types" ("business_unit_id", "organization_id");
COMMENT ON TABLE "tractor_types" IS 'Stores tractor types; scoped by organization';
INSERT INTO "tractor_types" (id, business_unit_id, organization_id) VALUES ('tra_01', 'bu_01', 'org_01') ON CONFLICT DO NOTHING;

-- 000028_create_tractor_types.down.sql
DROP INDEX CONCURRENTLY IF EXISTS "idx_tractor_types_bu_org";
DROP TABLE IF EXISTS "tractor_types" CASCADE;

-- 000029_create_delay_codes.up.sql
CREATE TABLE IF NOT EXISTS "delay_codes" (
    id varchar(100) NOT NULL,
    business_unit_id varchar(100) NOT NULL,
    organization_id varchar(100) NOT NULL,
    sort_order int NOT NULL DEFAULT 0,
    status status_enum NOT NULL DEFAULT 'Active',
    description text,
    color varchar(10) CHECK (color ~ '^#[0-9a-fA-F]{6}$'),
    version bigint NOT NULL DEFAULT 0,
    created_at bigint NOT NULL DEFAULT extract(epoch FROM current_timestamp)::bigint,
    CONSTRAINT "pk_delay_codes" PRIMARY KEY ("id", "business_unit_id", "organization_id")
);

--bun:split
CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_delay_codes_bu_org" ON "delay_codes" ("business_unit_id", "organization_id");

-- 000029_create_delay_codes.down.sql
DROP INDEX CONCURRENTLY IF EXISTS "idx_delay_codes_bu_org";
DROP TABLE IF EXISTS "delay_codes" CASCADE;

-- 000030_create_charge_types.up.sql
CREATE TABLE IF NOT EXISTS "charge_types" (
    id varchar(100) NOT NULL,
    business_unit_id varchar(100) NOT NULL,
    organization_id varchar(100) NOT NULL,
    effective_date bigint,
    is_active boolean NOT NULL DEFAULT true,
    code varchar(10) NOT NULL,
    amount numeric(19, 4) NOT NULL DEFAULT 0,
    version bigint NOT NULL DEFAULT 0,
    created_at bigint NOT NULL DEFAULT extract(epoch FROM current_timestamp)::bigint,
    CONSTRAINT "pk_charge_types" PRIMARY KEY ("id", "business_unit_id", "organization_id")
);

--bun:split
CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_charge_types_bu_org" ON "charge_types" ("business_unit_id", "organization_id");
CREATE INDEX CONCURRENTLY "idx_charge_types_created" ON "charge_types" (created_at DESC) WHERE version >= 0;
ALTER TABLE "charge_types" ADD CONSTRAINT "fk_charge_types_bu" FOREIGN KEY ("business_unit_id") REFERENCES business_units ("id") ON DELETE CASCADE;
CREATE OR REPLACE FUNCTION charge_types_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.version := OLD.version + 1; -- optimistic locking; see repository
    RETURN NEW;
END;
$$;
CREATE TRIGGER trg_charge_types_version BEFORE UPDATE ON "charge_types" FOR EACH ROW EXECUTE FUNCTION charge_types_version();

-- 000030_create_charge_types.down.sql
DROP TRIGGER IF EXISTS trg_charge_types_version ON "charge_types";
DROP FUNCTION IF EXISTS charge_types_version();
DROP INDEX CONCURRENTLY IF EXISTS "idx_charge_types_bu_org";
DROP TABLE IF EXISTS "charge_types" CASCADE;

-- 000031_create_gl_accounts.tx.up.sql
CREATE TABLE IF NOT EXISTS "gl_accounts" (
    id varchar(100) NOT NULL,
    business_unit_id varchar(100) NOT NULL,
    organization_id varchar(100) NOT NULL,
    label text COLLATE "C",
    amount numeric(19, 4) NOT NULL DEFAULT 0,
    name varchar(100) NOT NULL,
    settings jsonb NOT NULL DEFAULT '{"mode": "auto;"}'::jsonb,
    version bigint NOT NULL DEFAULT 0,
    created_at bigint NOT NULL DEFAULT extract(epoch FROM current_timestamp)::bigint,
    CONSTRAINT "pk_gl_accounts" PRIMARY KEY ("id", "business_unit_id", "organization_id")
);

--bun:split
CREATE INDEX IF NOT EXISTS "idx_gl_accounts_bu_org" ON "gl_accounts" ("business_unit_id", "organization_id");

-- 000031_create_gl_accounts.tx.down.sql
DROP INDEX IF EXISTS "idx_gl_accounts_bu_org";
DROP TABLE IF EXISTS "gl_accounts" CASCADE;

-- 000032_create_revenue_codes.tx.up.sql
CREATE TABLE IF NOT EXISTS "revenue_codes" (
    id varchar(100) NOT NULL,
    business_unit_id varchar(100) NOT NULL,
    organization_id varchar(100) NOT NULL,
    amount numeric(19, 4) NOT NULL DEFAULT 0,
    code varchar(10) NOT NULL,
    description text,
    sort_order int NOT NULL DEFAULT 0,
    version bigint NOT NULL DEFAULT 0,
    created_at bigint NOT NULL DEFAULT extract(epoch FROM current_timestamp)::bigint,
    CONSTRAINT "pk_revenue_codes" PRIMARY KEY ("id", "business_unit_id", "organization_id")
);

--bun:split
CREATE INDEX IF NOT EXISTS "idx_revenue_codes_bu_org" ON "revenue_codes" ("business_unit_id", "organization_id");
COMMENT ON TABLE "revenue_codes" IS 'Stores revenue codes; scoped by organization';

-- 000032_create_revenue_codes.tx.down.sql
-- Not reversible: the data would be lost.
SELECT 1 /* placeholder so the down direction has a statement; */;

-- 000033_create_divisions.tx.up.sql
CREATE TABLE IF NOT EXISTS "divisions" (
    id varchar(100) NOT NULL,
    business_unit_id varchar(100) NOT NULL,
    organization_id varchar(100) NOT NULL,
    name varchar(100) NOT NULL,
    label text COLLATE "C",
    notes text DEFAULT '',
    status status_enum NOT NULL DEFAULT 'Active',
    version bigint NOT NULL DEFAULT 0,
    created_at bigint NOT NULL DEFAULT extract(epoch FROM current_timestamp)::bigint,
    CONSTRAINT "pk_divisions" PRIMARY KEY ("id", "business_unit_id", "organization_id")
);

--bun:split
CREATE INDEX IF NOT EXISTS "idx_divisions_bu_org" ON "divisions" ("business_unit_id", "organization_id");
CREATE INDEX "idx_divisions_created" ON "divisions" (created_at DESC) WHERE version >= 0;

-- 000033_create_divisions.tx.down.sql
DROP INDEX IF EXISTS "idx_divisions_bu_org";
DROP TABLE IF EXISTS "divisions" CASCADE;

-- 000034_create_terminals.up.sql
CREATE TABLE IF NOT EXISTS "terminals" (
    id varchar(100) NOT NULL,
    business_unit_id varchar(100) NOT NULL,
    organization_id varchar(100) NOT NULL,
    amount numeric(19, 4) NOT NULL DEFAULT 0,
    settings jsonb NOT NULL DEFAULT '{"mode": "auto;"}'::jsonb,
    name varchar(100) NOT NULL,
    is_active boolean NOT NULL DEFAULT true,
    version bigint NOT NULL DEFAULT 0,
    created_at bigint NOT NULL DEFAULT extract(epoch FROM current_timestamp)::bigint,
    CONSTRAINT "pk_terminals" PRIMARY KEY ("id", "business_unit_id", "organization_id")
);

--bun:split
CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_terminals_bu_org" ON "terminals" ("business_unit_id", "organization_id");

-- 000034_create_terminals.down.sql
DROP INDEX CONCURRENTLY IF EXISTS "idx_terminals_bu_org";
DROP TABLE IF EXISTS "terminals" CASCADE;

-- 000035_create_zones.up.sql
CREATE TABLE IF NOT EXISTS "zones" (
    id varchar(100) NOT NULL,
    business_unit_id varchar(100) NOT NULL,
    organization_id varchar(100) NOT NULL,
    code varchar(10) NOT NULL,
    notes text DEFAULT '',
    effective_date bigint,
    amount numeric(19, 4) NOT NULL DEFAULT 0,
    version bigint NOT NULL DEFAULT 0,
    created_at bigint NOT NULL DEFAULT extract(epoch FROM current_timestamp)::bigint,
    CONSTRAINT "pk_zones" PRIMARY KEY ("id", "business_unit_id", "organization_id")
);

--bun:split
CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_zones_bu_org" ON "zones" ("business_unit_id", "organization_id");
ALTER TABLE "zones" ADD CONSTRAINT "fk_zones_bu" FOREIGN KEY ("business_unit_id") REFERENCES business_units ("id") ON DELETE CASCADE;
INSERT INTO "zones" (id, business_unit_id, organization_id) VALUES ('zon_01', 'bu_01', 'org_01') ON CONFLICT DO NOTHING;

-- 000035_create_zones.down.sql
DROP INDEX CONCURRENTLY IF EXISTS "idx_zones_bu_org";
DROP TABLE IF EXISTS "zones" CASCADE;

-- 000036_create_lanes.tx.up.sql
CREATE TABLE IF NOT EXISTS "lanes" (
    id varchar(100) NOT NULL,
    business_unit_id varchar(100) NOT NULL,
    organization_id varchar(100) NOT NULL,
    description text,
    effective_date bigint,
    amount numeric(19, 4) NOT NULL DEFAULT 0,
    label text COLLATE "C",
    version bigint NOT NULL DEFAULT 0,
    created_at bigint NOT NULL DEFAULT extract(epoch FROM current_timestamp)::bigint,
    CONSTRAINT "pk_lanes" PRIMARY KEY ("id", "business_unit_id", "organization_id")
);

--bun:split
CREATE INDEX IF NOT EXISTS "idx_lanes_bu_org" ON "lanes" ("business_unit_id", "organization_id");
CREATE INDEX "idx_lanes_created" ON "lanes" (created_at DESC) WHERE version >= 0;
COMMENT ON TABLE "lanes" IS 'Stores lanes; scoped by organization';
CREATE OR REPLACE FUNCTION lanes_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.version := OLD.version + 1; -- optimistic locking; see repository
    RETURN NEW;
END;
$$;
CREATE TRIGGER trg_lanes_version BEFORE UPDATE ON "lanes" FOR EACH ROW EXECUTE FUNCTION lanes_version();

-- 000036_create_lanes.tx.down.sql
DROP TRIGGER IF EXISTS trg_lanes_version ON "lanes";
DROP FUNCTION IF EXISTS lanes_version();
DROP INDEX IF EXISTS "idx_lanes_bu_org";
DROP TABLE IF EXISTS "lanes" CASCADE;

-- 000037_create_fuel_surcharges.tx.up.sql
CREATE TABLE IF NOT EXISTS "fuel_surcharges" (
    id varchar(100) NOT NULL,
    business_unit_id varchar(100) NOT NULL,
    organization_id varchar(100) NOT NULL,
    color varchar(10) CHECK (color ~ '^#[0-9a-fA-F]{6}$'),
    notes text DEFAULT '',
    code varchar(10) NOT NULL,
    effective_date bigint,
    version bigint NOT NULL DEFAULT 0,
    created_at bigint NOT NULL DEFAULT extract(epoch FROM current_timestamp)::bigint,
    CONSTRAINT "pk_fuel_surcharges" PRIMARY KEY ("id", "business_unit_id", "organization_id")
);

--bun:split
CREATE INDEX IF NOT EXISTS "idx_fuel_surcharges_bu_org" ON "fuel_surcharges" ("business_unit_id", "organization_id");

-- 000037_create_fuel_surcharges.tx.down.sql
DROP INDEX IF EXISTS "idx_fuel_surcharges_bu_org";
DROP TABLE IF EXISTS "fuel_surcharges" CASCADE;

-- 000038_create_tolls.up.sql
CREATE TABLE IF NOT EXISTS "tolls" (
    id varchar(100) NOT NULL,
    business_unit_id varchar(100) NOT NULL,
    organization_id varchar(100) NOT NULL,
    settings jsonb NOT NULL DEFAULT '{"mode": "auto;"}'::jsonb,
    code varchar(10) NOT NULL,
    amount numeric(19, 4) NOT NULL DEFAULT 0,
    notes text DEFAULT '',
    version bigint NOT NULL DEFAULT 0,
    created_at bigint NOT NULL DEFAULT extract(epoch FROM current_timestamp)::bigint,
    CONSTRAINT "pk_tolls" PRIMARY KEY ("id", "business_unit_id", "organization_id")
);

--bun:split
CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_tolls_bu_org" ON "tolls" ("business_unit_id", "organization_id");

-- 000038_create_tolls.down.sql
DROP INDEX CONCURRENTLY IF EXISTS "idx_tolls_bu_org";
DROP TABLE IF EXISTS "tolls" CASCADE;

-- 000039_create_permits.up.sql
CREATE TABLE IF NOT EXISTS "permits" (
    id varchar(100) NOT NULL,
    business_unit_id varchar(100) NOT NULL,
    organization_id varchar(100) NOT NULL,
    description text,
    name varchar(100) NOT NULL,
    amount numeric(19, 4) NOT NULL DEFAULT 0,
    effective_date bigint,
    version bigint NOT NULL DEFAULT 0,
    created_at bigint NOT NULL DEFAULT extract(epoch FROM current_timestamp)::bigint,
    CONSTRAINT "pk_permits" PRIMARY KEY ("id", "business_unit_id", "organization_id")
);

--bun:split
CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_permits_bu_org" ON "permits" ("business_unit_id", "organization_id");
CREATE INDEX CONCURRENTLY "idx_permits_created" ON "permits" (created_at DESC) WHERE version >= 0;

-- 000039_create_permits.down.sql
DROP INDEX CONCURRENTLY IF EXISTS "idx_permits_bu_org";
DROP TABLE IF EXISTS "permits" CASCADE;

-- 000040_create_inspections.tx.up.sql
CREATE TABLE IF NOT EXISTS "inspections" (
    id varchar(100) NOT NULL,
    business_unit_id varchar(100) NOT NULL,
    organization_id varchar(100) NOT NULL,
    code varchar(10) NOT NULL,
    sort_order int NOT NULL DEFAULT 0,
    description text,
    label text COLLATE "C",
    version bigint NOT NULL DEFAULT 0,
    created_at bigint NOT NULL DEFAULT extract(epoch FROM current_timestamp)::bigint,
    CONSTRAINT "pk_inspections" PRIMARY KEY ("id", "business_unit_id", "organization_id")
);

--bun:split
CREATE INDEX IF NOT EXISTS "idx_inspections_bu_org" ON "inspections" ("business_unit_id", "organization_id");
COMMENT ON TABLE "inspections" IS 'Stores inspections; scoped by organization';
ALTER TABLE "inspections" ADD CONSTRAINT "fk_inspections_bu" FOREIGN KEY ("business_unit_id") REFERENCES business_units ("id") ON DELETE CASCADE;

-- 000040_create_inspections.tx.down.sql
-- Not reversible: the data would be lost.
SELECT 1 /* placeholder so the down direction has a statement; */;
