-- Not filled by the seeds; workers.fleet_code_id references it.
CREATE TABLE fleet_codes (
    id               varchar(100)  NOT NULL,
    code             varchar(10)   NOT NULL,
    organization_id  varchar(100)  NOT NULL,
    business_unit_id varchar(100)  NOT NULL,
    manager_id       varchar(100)  NOT NULL,
    status           status_enum   NOT NULL DEFAULT 'Active',
    description      text,
    revenue_goal     numeric(10,2),
    deadhead_goal    numeric(10,2),
    mileage_goal     numeric(10,2),
    color            varchar(10),
    version          bigint        NOT NULL DEFAULT 0,
    created_at       bigint        NOT NULL DEFAULT EXTRACT(EPOCH FROM current_timestamp)::bigint,
    updated_at       bigint        NOT NULL DEFAULT EXTRACT(EPOCH FROM current_timestamp)::bigint,
    search_vector    tsvector,
    CONSTRAINT pk_fleet_codes PRIMARY KEY (id, organization_id, business_unit_id),
    CONSTRAINT fk_fleet_codes_business_unit FOREIGN KEY (business_unit_id)
        REFERENCES business_units (id) ON DELETE CASCADE,
    CONSTRAINT fk_fleet_codes_organization FOREIGN KEY (organization_id)
        REFERENCES organizations (id) ON DELETE CASCADE,
    CONSTRAINT fk_fleet_codes_manager FOREIGN KEY (manager_id)
        REFERENCES users (id) ON DELETE RESTRICT
);

CREATE INDEX idx_fleet_codes_manager ON fleet_codes (manager_id) WHERE manager_id IS NOT NULL;
CREATE INDEX idx_fleet_codes_color ON fleet_codes (color);
CREATE INDEX idx_fleet_codes_created_updated ON fleet_codes (created_at, updated_at);
CREATE INDEX idx_fleet_codes_search_vector ON fleet_codes USING gin (search_vector);

ALTER TABLE fleet_codes REPLICA IDENTITY FULL;

COMMENT ON TABLE fleet_codes IS 'Stores information about fleet codes';

CREATE FUNCTION fleet_codes_search_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := setweight(to_tsvector('english', COALESCE(NEW.code, '')), 'A') || setweight(to_tsvector('english', COALESCE(NEW.description, '')), 'B');
    RETURN NEW;
END;
$$;

CREATE TRIGGER fleet_codes_search_update
    BEFORE INSERT OR UPDATE ON fleet_codes
    FOR EACH ROW EXECUTE FUNCTION fleet_codes_search_trigger();
