CREATE TABLE us_states (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name         text NOT NULL CHECK (length(trim(name)) > 0),
    abbreviation text NOT NULL CHECK (abbreviation ~ '^[A-Z]{2}$'),
    country_code text NOT NULL DEFAULT 'US' CHECK (country_code ~ '^[A-Z]{2}$'),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT us_states_abbreviation_key UNIQUE (abbreviation),
    CONSTRAINT us_states_name_key UNIQUE (name)
);

CREATE TRIGGER us_states_set_updated_at
    BEFORE UPDATE ON us_states
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
