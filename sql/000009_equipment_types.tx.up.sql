CREATE TABLE equipment_types (
    id               varchar(100)         NOT NULL,
    business_unit_id varchar(100)         NOT NULL,
    organization_id  varchar(100)         NOT NULL,
    status           status_enum          NOT NULL DEFAULT 'Active',
    code             varchar(10)          NOT NULL,
    description      text,
    class            equipment_class_enum NOT NULL,
    color            varchar(10),
    version          bigint               NOT NULL DEFAULT 0,
    created_at       bigint               NOT NULL DEFAULT EXTRACT(EPOCH FROM current_timestamp)::bigint,
    updated_at       bigint               NOT NULL DEFAULT EXTRACT(EPOCH FROM current_timestamp)::bigint,
    search_vector    tsvector,
    CONSTRAINT pk_equipment_types PRIMARY KEY (id, business_unit_id, organization_id),
    CONSTRAINT fk_equipment_types_business_unit FOREIGN KEY (business_unit_id)
        REFERENCES business_units (id) ON DELETE CASCADE,
    CONSTRAINT fk_equipment_types_organization FOREIGN KEY (organization_id)
        REFERENCES organizations (id) ON DELETE CASCADE
);

CREATE UNIQUE INDEX idx_equipment_types_code ON equipment_types (lower(code), organization_id);
CREATE INDEX idx_equipment_types_business_unit ON equipment_types (business_unit_id);
CREATE INDEX idx_equipment_types_organization ON equipment_types (organization_id);
CREATE INDEX idx_equipment_types_color ON equipment_types (color);
CREATE INDEX idx_equipment_types_created_updated ON equipment_types (created_at, updated_at);
CREATE INDEX idx_equipment_types_search ON equipment_types USING gin (search_vector);

ALTER TABLE equipment_types ALTER COLUMN business_unit_id SET STATISTICS 1000;
ALTER TABLE equipment_types ALTER COLUMN organization_id SET STATISTICS 1000;
ALTER TABLE equipment_types ALTER COLUMN status SET STATISTICS 1000;
ALTER TABLE equipment_types ALTER COLUMN class SET STATISTICS 1000;
ALTER TABLE equipment_types REPLICA IDENTITY FULL;

COMMENT ON TABLE equipment_types IS 'Stores information about equipment types';

CREATE FUNCTION equipment_types_search_vector_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := setweight(to_tsvector('simple', COALESCE(NEW.code, '')), 'A') || setweight(to_tsvector('simple', COALESCE(NEW.description, '')), 'B') || setweight(to_tsvector('english', COALESCE(CAST(NEW.class AS text), '')), 'C');
    -- Auto-update timestamps
    NEW.updated_at := EXTRACT(EPOCH FROM CURRENT_TIMESTAMP)::bigint;
    RETURN NEW;
END;
$$;

CREATE TRIGGER equipment_types_search_vector_trigger
    BEFORE INSERT OR UPDATE ON equipment_types
    FOR EACH ROW EXECUTE FUNCTION equipment_types_search_vector_update();
