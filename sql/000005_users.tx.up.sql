CREATE TABLE users (
    id                      varchar(100)     NOT NULL,
    business_unit_id        varchar(100)     NOT NULL,
    current_organization_id varchar(100)     NOT NULL,
    status                  status_enum      NOT NULL DEFAULT 'Active',
    name                    varchar(255)     NOT NULL,
    username                varchar(20)      NOT NULL,
    password                varchar(255)     NOT NULL,
    email_address           varchar(255)     NOT NULL,
    timezone                varchar(50)      NOT NULL,
    time_format             time_format_enum NOT NULL DEFAULT '12-hour',
    profile_pic_url         varchar(255),
    thumbnail_url           varchar(255),
    is_locked               boolean          NOT NULL DEFAULT false,
    must_change_password    boolean          NOT NULL DEFAULT false,
    last_login_at           bigint,
    version                 bigint           NOT NULL DEFAULT 0,
    created_at              bigint           NOT NULL DEFAULT EXTRACT(EPOCH FROM current_timestamp)::bigint,
    updated_at              bigint           NOT NULL DEFAULT EXTRACT(EPOCH FROM current_timestamp)::bigint,
    CONSTRAINT users_pkey PRIMARY KEY (id),
    CONSTRAINT fk_users_business_unit FOREIGN KEY (business_unit_id)
        REFERENCES business_units (id) ON DELETE CASCADE,
    CONSTRAINT fk_users_current_organization FOREIGN KEY (current_organization_id)
        REFERENCES organizations (id) ON DELETE CASCADE
);

CREATE UNIQUE INDEX idx_users_email_address ON users (lower(email_address));
CREATE UNIQUE INDEX idx_users_username ON users (lower(username));
CREATE INDEX idx_users_business_unit ON users (business_unit_id);
CREATE INDEX idx_users_current_organization ON users (current_organization_id);
CREATE INDEX idx_users_status ON users (status);
CREATE INDEX idx_users_created_updated ON users (created_at, updated_at);
CREATE INDEX idx_users_bu_org_id ON users (business_unit_id, current_organization_id);
CREATE INDEX idx_users_bu_org_username ON users (business_unit_id, current_organization_id, username);
CREATE INDEX idx_users_org_bu_no_system ON users (current_organization_id, business_unit_id)
    WHERE username <> 'system';

ALTER TABLE users ALTER COLUMN business_unit_id SET STATISTICS 1000;
ALTER TABLE users ALTER COLUMN current_organization_id SET STATISTICS 1000;
ALTER TABLE users ALTER COLUMN status SET STATISTICS 1000;
ALTER TABLE users REPLICA IDENTITY FULL;

COMMENT ON TABLE users IS 'Stores information about users';

-- A user's current organization belongs to the user's business unit.
CREATE FUNCTION check_user_organization_business_unit() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.current_organization_id IS NOT NULL THEN
        IF NOT EXISTS(
            SELECT 1 FROM organizations o
            WHERE o.id = NEW.current_organization_id
              AND o.business_unit_id = NEW.business_unit_id) THEN
            RAISE EXCEPTION 'Current organization must belong to the same business unit as the user';
        END IF;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER trigger_check_user_organization_business_unit
    BEFORE INSERT OR UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION check_user_organization_business_unit();
