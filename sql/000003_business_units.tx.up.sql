CREATE TABLE business_units (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    code       text NOT NULL CHECK (code ~ '^[A-Z0-9_]{2,20}$'),
    name       text NOT NULL CHECK (length(trim(name)) > 0),
    is_default boolean NOT NULL DEFAULT false,
    status     text NOT NULL DEFAULT 'Active' CHECK (status IN ('Active', 'Inactive')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT business_units_code_key UNIQUE (code)
);

-- At most one default business unit.
CREATE UNIQUE INDEX business_units_one_default_idx ON business_units (is_default) WHERE is_default;

CREATE TRIGGER business_units_set_updated_at
    BEFORE UPDATE ON business_units
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
