-- Trenova's permission model: policies (JSON resources/actions, scoped to a
-- business unit and organizations), roles bundling policies, and a user's
-- membership in an organization carrying role and policy ids.

CREATE TABLE policies (
    id          varchar(100) NOT NULL,
    name        varchar(255) NOT NULL,
    description text,
    scope       jsonb        NOT NULL,
    resources   jsonb        DEFAULT '[]'::jsonb,
    subjects    jsonb        DEFAULT '[]'::jsonb,
    effect      effect_enum  NOT NULL,
    priority    integer      DEFAULT 0,
    tags        text[]       DEFAULT ARRAY[]::text[],
    created_by  varchar(100),
    created_at  bigint       NOT NULL DEFAULT EXTRACT(EPOCH FROM current_timestamp)::bigint,
    updated_at  bigint       NOT NULL DEFAULT EXTRACT(EPOCH FROM current_timestamp)::bigint,
    CONSTRAINT policies_pkey PRIMARY KEY (id)
);

CREATE INDEX idx_policies_business_unit ON policies ((scope -> 'businessUnitId'));
CREATE INDEX idx_policies_effect_priority ON policies (effect, priority DESC);


CREATE TABLE roles (
    id               varchar(100)    NOT NULL,
    business_unit_id varchar(100)    NOT NULL,
    name             varchar(255)    NOT NULL,
    description      text,
    level            role_level_enum NOT NULL,
    parent_roles     text[]          DEFAULT ARRAY[]::text[],
    scope            jsonb           NOT NULL,
    policy_ids       text[]          DEFAULT ARRAY[]::text[],
    auto_assign      jsonb,
    is_system        boolean         DEFAULT false,
    is_admin         boolean         DEFAULT false,
    created_by       varchar(100),
    created_at       bigint          NOT NULL DEFAULT EXTRACT(EPOCH FROM current_timestamp)::bigint,
    updated_at       bigint          NOT NULL DEFAULT EXTRACT(EPOCH FROM current_timestamp)::bigint,
    CONSTRAINT roles_pkey PRIMARY KEY (id),
    CONSTRAINT roles_business_unit_id_fkey FOREIGN KEY (business_unit_id)
        REFERENCES business_units (id) ON DELETE CASCADE
);

CREATE INDEX idx_roles_business_unit ON roles (business_unit_id);
CREATE INDEX idx_roles_policy_ids ON roles USING gin (policy_ids);


CREATE TABLE user_organization_memberships (
    id               varchar(100) NOT NULL,
    user_id          varchar(100) NOT NULL,
    business_unit_id varchar(100) NOT NULL,
    organization_id  varchar(100) NOT NULL,
    role_ids         text[]       DEFAULT ARRAY[]::text[],
    direct_policies  text[]       DEFAULT ARRAY[]::text[],
    joined_at        bigint       NOT NULL DEFAULT EXTRACT(EPOCH FROM current_timestamp)::bigint,
    granted_by_id    varchar(100),
    expires_at       bigint,
    is_default       boolean      DEFAULT false,
    CONSTRAINT user_organization_memberships_pkey PRIMARY KEY (id),
    CONSTRAINT user_organization_memberships_user_id_organization_id_key UNIQUE (user_id, organization_id),
    CONSTRAINT user_organization_memberships_user_id_fkey FOREIGN KEY (user_id)
        REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT user_organization_memberships_business_unit_id_fkey FOREIGN KEY (business_unit_id)
        REFERENCES business_units (id) ON DELETE CASCADE,
    CONSTRAINT user_organization_memberships_organization_id_fkey FOREIGN KEY (organization_id)
        REFERENCES organizations (id) ON DELETE CASCADE,
    CONSTRAINT user_organization_memberships_granted_by_id_fkey FOREIGN KEY (granted_by_id)
        REFERENCES users (id) ON DELETE CASCADE
);

CREATE INDEX idx_user_org_memberships_user_id ON user_organization_memberships (user_id);
CREATE INDEX idx_user_org_memberships_org_id ON user_organization_memberships (organization_id);
CREATE INDEX idx_user_org_memberships_is_default ON user_organization_memberships (is_default)
    WHERE is_default = true;


-- Explicit role assignments (Trenova's permission.RoleAssignment).
CREATE TABLE user_organization_roles (
    user_id         varchar(100) NOT NULL,
    organization_id varchar(100) NOT NULL,
    role_id         varchar(100) NOT NULL,
    assigned_at     bigint       NOT NULL DEFAULT EXTRACT(EPOCH FROM current_timestamp)::bigint,
    assigned_by     varchar(100),
    expires_at      bigint,
    overrides       jsonb        DEFAULT '[]'::jsonb,
    CONSTRAINT user_organization_roles_pkey PRIMARY KEY (user_id, organization_id, role_id),
    CONSTRAINT user_organization_roles_user_id_organization_id_fkey FOREIGN KEY (user_id, organization_id)
        REFERENCES user_organization_memberships (user_id, organization_id) ON DELETE CASCADE,
    CONSTRAINT user_organization_roles_role_id_fkey FOREIGN KEY (role_id)
        REFERENCES roles (id) ON DELETE CASCADE
);

CREATE INDEX idx_user_org_roles_user_org ON user_organization_roles (user_id, organization_id);
CREATE INDEX idx_user_org_roles_role_id ON user_organization_roles (role_id);
CREATE INDEX idx_user_org_roles_expires_at ON user_organization_roles (expires_at)
    WHERE expires_at IS NOT NULL;
