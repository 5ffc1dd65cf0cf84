CREATE TABLE variable_formats (
    id               varchar(100)             NOT NULL,
    business_unit_id varchar(100)             NOT NULL,
    organization_id  varchar(100)             NOT NULL,
    name             varchar(100)             NOT NULL,
    description      text,
    value_type       variable_value_type_enum NOT NULL,
    format_sql       text                     NOT NULL,
    is_active        boolean                  DEFAULT true,
    is_system        boolean                  DEFAULT false,
    version          bigint                   DEFAULT 0,
    created_at       bigint                   NOT NULL DEFAULT EXTRACT(EPOCH FROM current_timestamp)::bigint,
    updated_at       bigint                   NOT NULL DEFAULT EXTRACT(EPOCH FROM current_timestamp)::bigint,
    CONSTRAINT pk_variable_formats PRIMARY KEY (id, business_unit_id, organization_id),
    CONSTRAINT uk_format_name UNIQUE (organization_id, name),
    CONSTRAINT fk_variable_formats_business_unit FOREIGN KEY (business_unit_id)
        REFERENCES business_units (id) ON DELETE CASCADE,
    CONSTRAINT fk_variable_formats_organization FOREIGN KEY (organization_id)
        REFERENCES organizations (id) ON DELETE CASCADE
);

CREATE INDEX idx_variable_formats_org ON variable_formats (organization_id, value_type, is_active);
CREATE INDEX idx_variable_formats_name ON variable_formats (name) WHERE is_active = true;


CREATE TABLE variables (
    id               varchar(100)             NOT NULL,
    business_unit_id varchar(100)             NOT NULL,
    organization_id  varchar(100)             NOT NULL,
    key              varchar(100)             NOT NULL,
    display_name     varchar(255)             NOT NULL,
    description      text,
    category         varchar(100),
    query            text                     NOT NULL,
    applies_to       variable_context_enum    NOT NULL,
    required_params  jsonb                    DEFAULT '[]'::jsonb,
    default_value    text,
    format_id        varchar(100),
    value_type       variable_value_type_enum DEFAULT 'String',
    is_active        boolean                  DEFAULT true,
    is_system        boolean                  DEFAULT false,
    is_validated     boolean                  DEFAULT false,
    tags             text[],
    version          bigint                   DEFAULT 0,
    created_at       bigint                   NOT NULL DEFAULT EXTRACT(EPOCH FROM current_timestamp)::bigint,
    updated_at       bigint                   NOT NULL DEFAULT EXTRACT(EPOCH FROM current_timestamp)::bigint,
    CONSTRAINT pk_variables PRIMARY KEY (id, business_unit_id, organization_id),
    CONSTRAINT uk_variable_key UNIQUE (organization_id, key),
    CONSTRAINT fk_variables_business_unit FOREIGN KEY (business_unit_id)
        REFERENCES business_units (id) ON DELETE CASCADE,
    CONSTRAINT fk_variables_organization FOREIGN KEY (organization_id)
        REFERENCES organizations (id) ON DELETE CASCADE,
    CONSTRAINT fk_variables_format FOREIGN KEY (format_id, business_unit_id, organization_id)
        REFERENCES variable_formats (id, business_unit_id, organization_id) ON DELETE SET NULL,
    CONSTRAINT chk_variables_key_length CHECK (length(key) >= 2 AND length(key) <= 100),
    CONSTRAINT chk_variables_query_length CHECK (length(query) > 0)
);

CREATE INDEX idx_variables_business_unit ON variables (business_unit_id);
CREATE INDEX idx_variables_key ON variables (organization_id, key) WHERE is_active = true;
CREATE INDEX idx_variables_context ON variables (organization_id, applies_to, is_active);
CREATE INDEX idx_variables_tags ON variables USING gin (tags) WHERE tags IS NOT NULL;
CREATE INDEX idx_variables_created_updated ON variables (created_at, updated_at);

ALTER TABLE variables ALTER COLUMN organization_id SET STATISTICS 1000;
ALTER TABLE variables ALTER COLUMN key SET STATISTICS 500;
ALTER TABLE variables ALTER COLUMN applies_to SET STATISTICS 500;

COMMENT ON TABLE variables IS 'Stores variable definitions for template processing';
COMMENT ON COLUMN variables.id IS 'Unique identifier (pulid with var_ prefix)';
COMMENT ON COLUMN variables.key IS 'Variable key used in templates (e.g., customerName)';
COMMENT ON COLUMN variables.display_name IS 'User-friendly display name';
COMMENT ON COLUMN variables.query IS 'Parameterized SQL query to fetch the variable value';
COMMENT ON COLUMN variables.applies_to IS 'Context where this variable can be used';
COMMENT ON COLUMN variables.required_params IS 'List of required parameters for the query';
COMMENT ON COLUMN variables.is_system IS 'System-defined variables cannot be modified by users';
COMMENT ON COLUMN variables.is_validated IS 'Whether the query has been validated as safe';

CREATE FUNCTION variables_update_timestamps() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := EXTRACT(EPOCH FROM CURRENT_TIMESTAMP)::bigint;
    RETURN NEW;
END;
$$;

CREATE TRIGGER variables_update_trigger
    BEFORE UPDATE ON variables
    FOR EACH ROW EXECUTE FUNCTION variables_update_timestamps();
