CREATE TABLE workers (
    id                 varchar(100)     NOT NULL,
    organization_id    varchar(100)     NOT NULL,
    business_unit_id   varchar(100)     NOT NULL,
    state_id           varchar(100)     NOT NULL,
    status             status_enum      NOT NULL DEFAULT 'Active',
    first_name         varchar(100)     NOT NULL,
    last_name          varchar(100)     NOT NULL,
    type               worker_type_enum NOT NULL DEFAULT 'Employee',
    profile_pic_url    varchar(255),
    address_line1      varchar(150)     NOT NULL,
    address_line2      varchar(150),
    city               varchar(100)     NOT NULL,
    postal_code        us_postal_code   NOT NULL,
    gender             gender_enum      NOT NULL,
    external_id        text,
    can_be_assigned    boolean          NOT NULL DEFAULT false,
    assignment_blocked varchar(255),
    version            bigint           NOT NULL DEFAULT 0,
    created_at         bigint           NOT NULL DEFAULT EXTRACT(EPOCH FROM current_timestamp)::bigint,
    updated_at         bigint           NOT NULL DEFAULT EXTRACT(EPOCH FROM current_timestamp)::bigint,
    search_vector      tsvector,
    whole_name         varchar(201) GENERATED ALWAYS AS (first_name || ' ' || last_name) STORED,
    fleet_code_id      varchar(100),
    CONSTRAINT pk_workers PRIMARY KEY (id, organization_id, business_unit_id),
    CONSTRAINT fk_workers_business_unit FOREIGN KEY (business_unit_id)
        REFERENCES business_units (id) ON DELETE CASCADE,
    CONSTRAINT fk_workers_organization FOREIGN KEY (organization_id)
        REFERENCES organizations (id) ON DELETE CASCADE,
    CONSTRAINT fk_workers_state FOREIGN KEY (state_id)
        REFERENCES us_states (id) ON DELETE RESTRICT,
    CONSTRAINT fk_workers_fleet_code FOREIGN KEY (fleet_code_id, organization_id, business_unit_id)
        REFERENCES fleet_codes (id, organization_id, business_unit_id) ON DELETE SET NULL
);

CREATE INDEX idx_workers_business_unit ON workers (business_unit_id);
CREATE INDEX idx_workers_organization ON workers (organization_id);
CREATE INDEX idx_workers_org_bu ON workers (organization_id, business_unit_id);
CREATE INDEX idx_workers_state ON workers (state_id) WHERE state_id IS NOT NULL;
CREATE INDEX idx_workers_status ON workers (status);
CREATE INDEX idx_workers_type ON workers (type);
CREATE INDEX idx_workers_name ON workers (last_name, first_name);
CREATE INDEX idx_workers_created_updated ON workers (created_at, updated_at);
CREATE INDEX idx_workers_search_vector ON workers USING gin (search_vector);

ALTER TABLE workers ALTER COLUMN organization_id SET STATISTICS 1000;
ALTER TABLE workers ALTER COLUMN business_unit_id SET STATISTICS 1000;
ALTER TABLE workers ALTER COLUMN status SET STATISTICS 1000;
ALTER TABLE workers REPLICA IDENTITY FULL;

COMMENT ON TABLE workers IS 'Stores information about company workers (employees and contractors)';

CREATE FUNCTION workers_search_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := setweight(to_tsvector('english', COALESCE(NEW.first_name, '')), 'A') || setweight(to_tsvector('english', COALESCE(NEW.last_name, '')), 'A');
    RETURN NEW;
END;
$$;

CREATE TRIGGER workers_search_update
    BEFORE INSERT OR UPDATE ON workers
    FOR EACH ROW EXECUTE FUNCTION workers_search_trigger();


CREATE TABLE worker_profiles (
    id                      varchar(100)           NOT NULL,
    worker_id               varchar(100)           NOT NULL,
    business_unit_id        varchar(100)           NOT NULL,
    organization_id         varchar(100)           NOT NULL,
    license_state_id        varchar(100),
    dob                     bigint                 NOT NULL,
    license_number          varchar(50)            NOT NULL,
    endorsement             endorsement_type_enum  NOT NULL DEFAULT 'O',
    hazmat_expiry           bigint,
    license_expiry          bigint                 NOT NULL,
    hire_date               bigint                 NOT NULL,
    termination_date        bigint,
    physical_due_date       bigint,
    mvr_due_date            bigint,
    compliance_status       compliance_status_enum NOT NULL DEFAULT 'Pending',
    is_qualified            boolean                NOT NULL DEFAULT false,
    disqualification_reason varchar(255),
    last_compliance_check   bigint                 NOT NULL DEFAULT 0,
    last_mvr_check          bigint                 NOT NULL DEFAULT 0,
    last_drug_test          bigint                 NOT NULL DEFAULT 0,
    version                 bigint                 NOT NULL DEFAULT 0,
    created_at              bigint                 NOT NULL DEFAULT EXTRACT(EPOCH FROM current_timestamp)::bigint,
    updated_at              bigint                 NOT NULL DEFAULT EXTRACT(EPOCH FROM current_timestamp)::bigint,
    CONSTRAINT pk_worker_profiles PRIMARY KEY (id, worker_id, organization_id, business_unit_id),
    CONSTRAINT fk_worker_profiles_worker FOREIGN KEY (worker_id, organization_id, business_unit_id)
        REFERENCES workers (id, organization_id, business_unit_id) ON DELETE CASCADE,
    CONSTRAINT fk_worker_profiles_business_unit FOREIGN KEY (business_unit_id)
        REFERENCES business_units (id) ON DELETE CASCADE,
    CONSTRAINT fk_worker_profiles_organization FOREIGN KEY (organization_id)
        REFERENCES organizations (id) ON DELETE CASCADE,
    CONSTRAINT fk_worker_profiles_license_state FOREIGN KEY (license_state_id)
        REFERENCES us_states (id) ON DELETE RESTRICT,
    -- Hazmat (H) and tanker-hazmat (X) endorsements carry an expiry date.
    CONSTRAINT check_endorsement_hazmat
        CHECK (endorsement NOT IN ('H', 'X') OR hazmat_expiry IS NOT NULL),
    CONSTRAINT worker_profiles_hire_date_check CHECK (hire_date > 0),
    CONSTRAINT worker_profiles_license_expiry_check CHECK (license_expiry > 0)
);

CREATE INDEX idx_worker_profiles_unit_org ON worker_profiles (business_unit_id, organization_id);
CREATE INDEX idx_worker_profiles_compliance_status ON worker_profiles (compliance_status, is_qualified);
CREATE INDEX idx_worker_profiles_dates
    ON worker_profiles (license_expiry, hire_date, termination_date, physical_due_date, mvr_due_date)
    WHERE license_expiry > 0 OR hire_date > 0 OR termination_date > 0
       OR physical_due_date > 0 OR mvr_due_date > 0;
CREATE INDEX idx_worker_profiles_last_checks
    ON worker_profiles (last_compliance_check, last_mvr_check, last_drug_test);

ALTER TABLE worker_profiles REPLICA IDENTITY FULL;

COMMENT ON TABLE worker_profiles IS 'Stores extended worker information including licensing and certification details';


CREATE TABLE worker_pto (
    id               varchar(100)           NOT NULL,
    worker_id        varchar(100)           NOT NULL,
    business_unit_id varchar(100)           NOT NULL,
    organization_id  varchar(100)           NOT NULL,
    approver_id      varchar(100),
    rejector_id      varchar(100),
    status           worker_pto_status_enum NOT NULL DEFAULT 'Requested',
    type             worker_pto_type_enum   NOT NULL DEFAULT 'Vacation',
    start_date       bigint                 NOT NULL,
    end_date         bigint                 NOT NULL,
    reason           varchar(255)           NOT NULL,
    version          bigint                 NOT NULL DEFAULT 0,
    created_at       bigint                 NOT NULL DEFAULT EXTRACT(EPOCH FROM current_timestamp)::bigint,
    updated_at       bigint                 NOT NULL DEFAULT EXTRACT(EPOCH FROM current_timestamp)::bigint,
    search_vector    tsvector,
    CONSTRAINT pk_worker_pto PRIMARY KEY (id, worker_id, organization_id, business_unit_id),
    CONSTRAINT fk_worker_pto_worker FOREIGN KEY (worker_id, organization_id, business_unit_id)
        REFERENCES workers (id, organization_id, business_unit_id) ON DELETE CASCADE,
    CONSTRAINT fk_worker_pto_business_unit FOREIGN KEY (business_unit_id)
        REFERENCES business_units (id) ON DELETE CASCADE,
    CONSTRAINT fk_worker_pto_organization FOREIGN KEY (organization_id)
        REFERENCES organizations (id) ON DELETE CASCADE,
    CONSTRAINT fk_worker_pto_approver FOREIGN KEY (approver_id)
        REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT fk_worker_pto_rejector FOREIGN KEY (rejector_id)
        REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT check_end_date_after_start_date CHECK (end_date > start_date),
    CONSTRAINT worker_pto_end_date_check CHECK (end_date > 0),
    CONSTRAINT worker_pto_start_date_check CHECK (start_date > 0)
);

CREATE INDEX idx_worker_pto_status ON worker_pto (status);
CREATE INDEX idx_worker_pto_type ON worker_pto (type);
CREATE INDEX idx_worker_pto_worker_dates ON worker_pto (worker_id, organization_id, start_date, end_date);
CREATE INDEX idx_worker_pto_status_dates ON worker_pto (status, start_date, end_date)
    WHERE status IN ('Requested', 'Approved');
CREATE INDEX idx_worker_pto_created_updated ON worker_pto (created_at, updated_at);
CREATE INDEX idx_worker_pto_search_vector ON worker_pto USING gin (search_vector);

ALTER TABLE worker_pto REPLICA IDENTITY FULL;

COMMENT ON TABLE worker_pto IS 'Stores information about a worker''s PTO requests';

CREATE FUNCTION worker_pto_search_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := setweight(to_tsvector('english', COALESCE(NEW.reason, '')), 'C');
    RETURN NEW;
END;
$$;

CREATE TRIGGER worker_pto_search_update
    BEFORE INSERT OR UPDATE ON worker_pto
    FOR EACH ROW EXECUTE FUNCTION worker_pto_search_trigger();
