-- Not filled by the seeds; shipment_controls.detention_charge_id references it.
CREATE TABLE accessorial_charges (
    id               varchar(100)            NOT NULL,
    organization_id  varchar(100)            NOT NULL,
    business_unit_id varchar(100)            NOT NULL,
    status           status_enum             NOT NULL DEFAULT 'Active',
    code             varchar(10)             NOT NULL,
    description      text                    NOT NULL,
    unit             integer                 NOT NULL,
    method           accessorial_method_enum NOT NULL,
    amount           numeric(19,4)           NOT NULL,
    version          bigint                  NOT NULL DEFAULT 0,
    created_at       bigint                  NOT NULL DEFAULT EXTRACT(EPOCH FROM current_timestamp)::bigint,
    updated_at       bigint                  NOT NULL DEFAULT EXTRACT(EPOCH FROM current_timestamp)::bigint,
    search_vector    tsvector,
    CONSTRAINT pk_accessorial_charges PRIMARY KEY (id, organization_id, business_unit_id),
    CONSTRAINT fk_accessorial_charges_business_unit FOREIGN KEY (business_unit_id)
        REFERENCES business_units (id) ON DELETE CASCADE,
    CONSTRAINT fk_accessorial_charges_organization FOREIGN KEY (organization_id)
        REFERENCES organizations (id) ON DELETE CASCADE,
    CONSTRAINT accessorial_charges_amount_check CHECK (amount >= 0),
    CONSTRAINT accessorial_charges_unit_check CHECK (unit >= 1)
);

CREATE INDEX idx_accessorial_charges_business_unit ON accessorial_charges (business_unit_id, organization_id);
CREATE INDEX idx_accessorial_charges_status ON accessorial_charges (status);
CREATE INDEX idx_accessorial_charges_active ON accessorial_charges (created_at DESC)
    WHERE status <> 'Inactive';
CREATE INDEX idx_accessorial_charges_dates_brin ON accessorial_charges
    USING brin (created_at, updated_at) WITH (pages_per_range = 128);
CREATE INDEX idx_accessorial_charges_search ON accessorial_charges USING gin (search_vector);
CREATE INDEX idx_accessorial_charges_search_vector ON accessorial_charges USING gin (search_vector);

ALTER TABLE accessorial_charges ALTER COLUMN organization_id SET STATISTICS 1000;
ALTER TABLE accessorial_charges ALTER COLUMN business_unit_id SET STATISTICS 1000;
ALTER TABLE accessorial_charges ALTER COLUMN status SET STATISTICS 1000;
ALTER TABLE accessorial_charges REPLICA IDENTITY FULL;

COMMENT ON TABLE accessorial_charges IS 'Stores information about accessorial charges';

-- Trenova has two BEFORE triggers here (from two migrations); they fire in name
-- order, so the second one's 'simple' vector is the one stored.
CREATE FUNCTION accessorial_charges_search_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := setweight(to_tsvector('english', COALESCE(NEW.code, '')), 'A') || setweight(to_tsvector('english', COALESCE(NEW.description, '')), 'B');
    RETURN NEW;
END;
$$;

CREATE FUNCTION accessorial_charges_search_vector_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := setweight(to_tsvector('simple', coalesce(NEW.code, '')), 'A') || setweight(to_tsvector('simple', coalesce(NEW.description, '')), 'B');
    -- Auto-update timestamps
    NEW.updated_at := extract(EPOCH FROM CURRENT_TIMESTAMP)::bigint;
    RETURN NEW;
END;
$$;

CREATE TRIGGER accessorial_charges_search_update
    BEFORE INSERT OR UPDATE ON accessorial_charges
    FOR EACH ROW EXECUTE FUNCTION accessorial_charges_search_trigger();

CREATE TRIGGER accessorial_charges_search_vector_trigger
    BEFORE INSERT OR UPDATE ON accessorial_charges
    FOR EACH ROW EXECUTE FUNCTION accessorial_charges_search_vector_update();
