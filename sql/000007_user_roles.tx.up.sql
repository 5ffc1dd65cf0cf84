-- A user's roles, per organization (a user may work for several).
CREATE TABLE user_roles (
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role_id         uuid NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, role_id, organization_id)
);

CREATE INDEX user_roles_role_id_idx ON user_roles (role_id);
CREATE INDEX user_roles_organization_id_idx ON user_roles (organization_id);
