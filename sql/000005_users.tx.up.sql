CREATE TABLE users (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    business_unit_id     uuid NOT NULL REFERENCES business_units (id) ON DELETE RESTRICT,
    -- The organization the user works in by default (user_roles lists all of them).
    organization_id      uuid NOT NULL,
    username             text NOT NULL CHECK (username ~ '^[a-z0-9._-]{3,50}$'),
    email                text NOT NULL CHECK (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'),
    name                 text NOT NULL CHECK (length(trim(name)) > 0),
    password_hash        text NOT NULL CHECK (password_hash <> ''),
    status               text NOT NULL DEFAULT 'Active'
                         CHECK (status IN ('Active', 'Inactive', 'Suspended')),
    must_change_password boolean NOT NULL DEFAULT false,
    is_system_admin      boolean NOT NULL DEFAULT false,
    timezone             text NOT NULL DEFAULT 'America/Chicago',
    last_login_at        timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    -- The organization must belong to the user's business unit.
    CONSTRAINT users_organization_fkey FOREIGN KEY (organization_id, business_unit_id)
        REFERENCES organizations (id, business_unit_id) ON DELETE RESTRICT
);

-- Case-insensitive uniqueness: Admin@Trenova.app and admin@trenova.app are one user.
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));
CREATE UNIQUE INDEX users_username_lower_key ON users (lower(username));
CREATE INDEX users_organization_id_idx ON users (organization_id);
CREATE INDEX users_business_unit_id_idx ON users (business_unit_id);

CREATE TRIGGER users_set_updated_at
    BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
