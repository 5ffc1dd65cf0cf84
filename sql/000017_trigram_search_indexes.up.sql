-- Not transactional: CREATE INDEX CONCURRENTLY builds Trenova's trigram search
-- indexes without blocking writes, and cannot run inside a transaction block.
-- An interrupted build leaves an INVALID index: drop it before migrating again.
CREATE INDEX CONCURRENTLY idx_workers_trgm_name
    ON workers USING gin ((first_name || ' ' || last_name) gin_trgm_ops);
CREATE INDEX CONCURRENTLY idx_equipment_types_trgm_code
    ON equipment_types USING gin (code gin_trgm_ops);
CREATE INDEX CONCURRENTLY idx_equipment_types_trgm_description
    ON equipment_types USING gin (description gin_trgm_ops);
CREATE INDEX CONCURRENTLY idx_equipment_types_trgm_code_description
    ON equipment_types USING gin ((code || ' ' || description) gin_trgm_ops);
CREATE INDEX CONCURRENTLY idx_document_types_trgm_code
    ON document_types USING gin (code gin_trgm_ops);
CREATE INDEX CONCURRENTLY idx_document_types_trgm_name
    ON document_types USING gin (name gin_trgm_ops);
CREATE INDEX CONCURRENTLY idx_document_types_trgm_code_name
    ON document_types USING gin ((code || ' ' || name) gin_trgm_ops);
CREATE INDEX CONCURRENTLY idx_accessorial_charges_trgm_code_description
    ON accessorial_charges USING gin ((code || ' ' || description) gin_trgm_ops);
