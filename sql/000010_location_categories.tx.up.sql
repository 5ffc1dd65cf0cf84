CREATE TABLE location_categories (
    id                   varchar(100)           NOT NULL,
    business_unit_id     varchar(100)           NOT NULL,
    organization_id      varchar(100)           NOT NULL,
    name                 varchar(100)           NOT NULL,
    description          text,
    type                 location_category_type NOT NULL,
    facility_type        facility_type,
    has_secure_parking   boolean                NOT NULL DEFAULT false,
    requires_appointment boolean                NOT NULL DEFAULT false,
    allows_overnight     boolean                NOT NULL DEFAULT false,
    has_restroom         boolean                NOT NULL DEFAULT false,
    color                varchar(10),
    version              bigint                 NOT NULL DEFAULT 0,
    created_at           bigint                 NOT NULL DEFAULT EXTRACT(EPOCH FROM current_timestamp)::bigint,
    updated_at           bigint                 NOT NULL DEFAULT EXTRACT(EPOCH FROM current_timestamp)::bigint,
    search_vector        tsvector,
    CONSTRAINT pk_location_categories PRIMARY KEY (id, business_unit_id, organization_id),
    CONSTRAINT fk_location_categories_business_unit FOREIGN KEY (business_unit_id)
        REFERENCES business_units (id) ON DELETE CASCADE,
    CONSTRAINT fk_location_categories_organization FOREIGN KEY (organization_id)
        REFERENCES organizations (id) ON DELETE CASCADE
);

CREATE UNIQUE INDEX idx_location_categories_name ON location_categories (lower(name), organization_id);
CREATE INDEX idx_location_categories_business_unit ON location_categories (business_unit_id);
CREATE INDEX idx_location_categories_organization ON location_categories (organization_id);
CREATE INDEX idx_location_categories_created_updated ON location_categories (created_at, updated_at);
CREATE INDEX idx_location_categories_search_vector ON location_categories USING gin (search_vector);

ALTER TABLE location_categories REPLICA IDENTITY FULL;

COMMENT ON TABLE location_categories IS 'Stores information about location categories';

CREATE FUNCTION location_categories_search_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := setweight(to_tsvector('english', COALESCE(NEW.name, '')), 'A') || setweight(to_tsvector('english', COALESCE(NEW.description, '')), 'B');
    RETURN NEW;
END;
$$;

CREATE TRIGGER location_categories_search_update
    BEFORE INSERT OR UPDATE ON location_categories
    FOR EACH ROW EXECUTE FUNCTION location_categories_search_trigger();
