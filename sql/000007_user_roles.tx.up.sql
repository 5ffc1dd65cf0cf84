-- A user's roles, per organization (a user may work for several). Roles belong
-- to one organization, and the composite foreign key keeps the two in step.
CREATE TABLE user_roles (
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role_id         uuid NOT NULL,
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, role_id, organization_id),
    CONSTRAINT user_roles_role_fkey FOREIGN KEY (role_id, organization_id)
        REFERENCES roles (id, organization_id) ON DELETE CASCADE
);

CREATE INDEX user_roles_role_id_idx ON user_roles (role_id);
CREATE INDEX user_roles_organization_id_idx ON user_roles (organization_id);
