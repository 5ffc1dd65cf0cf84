CREATE TABLE hazmat_expirations (
    id         varchar(100) NOT NULL,
    state_id   varchar(100) NOT NULL,
    years      smallint     NOT NULL,
    version    bigint       NOT NULL DEFAULT 0,
    created_at bigint       NOT NULL DEFAULT EXTRACT(EPOCH FROM current_timestamp)::bigint,
    updated_at bigint       NOT NULL DEFAULT EXTRACT(EPOCH FROM current_timestamp)::bigint,
    CONSTRAINT pk_hazmat_expirations PRIMARY KEY (id, state_id),
    CONSTRAINT fk_hazmat_expirations_state FOREIGN KEY (state_id)
        REFERENCES us_states (id) ON DELETE RESTRICT,
    CONSTRAINT hazmat_expirations_years_check CHECK (years > 0)
);

CREATE INDEX idx_hazmat_expirations_state ON hazmat_expirations (state_id);
CREATE INDEX idx_hazmat_expirations_years ON hazmat_expirations (years);

ALTER TABLE hazmat_expirations REPLICA IDENTITY FULL;

COMMENT ON TABLE hazmat_expirations IS 'Stores information about hazmat expirations';
