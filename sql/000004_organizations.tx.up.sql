CREATE TABLE organizations (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    business_unit_id uuid NOT NULL REFERENCES business_units (id) ON DELETE RESTRICT,
    name             text NOT NULL CHECK (length(trim(name)) > 0),
    scac_code        text NOT NULL CHECK (scac_code ~ '^[A-Z]{4}$'),
    dot_number       text CHECK (dot_number ~ '^[0-9]{1,8}$'),
    address_line_1   text,
    city             text NOT NULL,
    state_id         uuid NOT NULL REFERENCES us_states (id) ON DELETE RESTRICT,
    postal_code      text CHECK (postal_code ~ '^[0-9]{5}(-[0-9]{4})?$'),
    timezone         text NOT NULL DEFAULT 'America/Chicago',
    is_default       boolean NOT NULL DEFAULT false,
    status           text NOT NULL DEFAULT 'Active' CHECK (status IN ('Active', 'Inactive')),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT organizations_business_unit_scac_key UNIQUE (business_unit_id, scac_code),
    -- Target of users' (organization_id, business_unit_id) foreign key: a user's
    -- business unit is always the one their organization belongs to.
    CONSTRAINT organizations_id_business_unit_key UNIQUE (id, business_unit_id)
);

CREATE UNIQUE INDEX organizations_one_default_idx ON organizations (is_default) WHERE is_default;
-- business_unit_id is the leading column of organizations_business_unit_scac_key,
-- which serves its foreign key too.
CREATE INDEX organizations_state_id_idx ON organizations (state_id);

CREATE TRIGGER organizations_set_updated_at
    BEFORE UPDATE ON organizations
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
