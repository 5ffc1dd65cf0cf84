CREATE TABLE document_types (
    id                      varchar(100)                 NOT NULL,
    business_unit_id        varchar(100)                 NOT NULL,
    organization_id         varchar(100)                 NOT NULL,
    code                    varchar(10)                  NOT NULL,
    name                    varchar(100)                 NOT NULL,
    description             text,
    color                   varchar(10),
    document_classification document_classification_enum NOT NULL DEFAULT 'Public',
    document_category       document_category_enum       NOT NULL DEFAULT 'Other',
    version                 bigint                       NOT NULL DEFAULT 0,
    created_at              bigint                       NOT NULL DEFAULT EXTRACT(EPOCH FROM current_timestamp)::bigint,
    updated_at              bigint                       NOT NULL DEFAULT EXTRACT(EPOCH FROM current_timestamp)::bigint,
    search_vector           tsvector,
    CONSTRAINT pk_document_types PRIMARY KEY (id, business_unit_id, organization_id),
    CONSTRAINT fk_document_types_business_unit FOREIGN KEY (business_unit_id)
        REFERENCES business_units (id) ON DELETE CASCADE,
    CONSTRAINT fk_document_types_organization FOREIGN KEY (organization_id)
        REFERENCES organizations (id) ON DELETE CASCADE
);

CREATE UNIQUE INDEX idx_document_types_code ON document_types (lower(code), organization_id);
CREATE INDEX idx_document_types_business_unit_organization ON document_types (business_unit_id, organization_id);
CREATE INDEX idx_document_types_name ON document_types (name);
CREATE INDEX idx_document_types_created_updated ON document_types (created_at, updated_at);
CREATE INDEX idx_document_types_search ON document_types USING gin (search_vector);

ALTER TABLE document_types ALTER COLUMN business_unit_id SET STATISTICS 1000;
ALTER TABLE document_types ALTER COLUMN organization_id SET STATISTICS 1000;
ALTER TABLE document_types REPLICA IDENTITY FULL;

COMMENT ON TABLE document_types IS 'Stores information about document types';

CREATE FUNCTION document_types_search_vector_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := setweight(to_tsvector('simple', COALESCE(NEW.code, '')), 'A') || setweight(to_tsvector('simple', COALESCE(NEW.name, '')), 'B');
    -- Auto-update timestamps
    NEW.updated_at := EXTRACT(EPOCH FROM CURRENT_TIMESTAMP)::bigint;
    RETURN NEW;
END;
$$;

CREATE TRIGGER document_types_search_vector_trigger
    BEFORE INSERT OR UPDATE ON document_types
    FOR EACH ROW EXECUTE FUNCTION document_types_search_vector_update();
