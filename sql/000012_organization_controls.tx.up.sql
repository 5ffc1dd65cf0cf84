-- One row of settings per organization in each table (Trenova's AdminAccount
-- seed and its CreateOrganization helper make them).

CREATE TABLE shipment_controls (
    id                              varchar(100)                    NOT NULL,
    business_unit_id                varchar(100)                    NOT NULL,
    organization_id                 varchar(100)                    NOT NULL,
    max_shipment_weight_limit       integer                         NOT NULL DEFAULT 80000,
    auto_delay_shipments            boolean                         NOT NULL DEFAULT true,
    auto_delay_shipments_threshold  integer                         DEFAULT 30,
    track_detention_time            boolean                         NOT NULL DEFAULT true,
    auto_generate_detention_charges boolean                         NOT NULL DEFAULT true,
    detention_threshold             integer                         NOT NULL DEFAULT 30,
    auto_cancel_shipments           boolean                         NOT NULL DEFAULT true,
    auto_cancel_shipments_threshold auto_cancel_shipments_threshold NOT NULL DEFAULT 30,
    track_customer_rejections       boolean                         NOT NULL DEFAULT false,
    check_for_duplicate_bols        boolean                         NOT NULL DEFAULT true,
    allow_move_removals             boolean                         NOT NULL DEFAULT true,
    version                         bigint                          NOT NULL DEFAULT 0,
    created_at                      bigint                          NOT NULL DEFAULT EXTRACT(EPOCH FROM current_timestamp)::bigint,
    updated_at                      bigint                          NOT NULL DEFAULT EXTRACT(EPOCH FROM current_timestamp)::bigint,
    -- The last two were added to Trenova's table later: they stay last.
    check_hazmat_segregation        boolean                         NOT NULL DEFAULT true,
    detention_charge_id             varchar(100),
    CONSTRAINT pk_shipment_controls PRIMARY KEY (id, organization_id, business_unit_id),
    CONSTRAINT uq_shipment_controls_organization UNIQUE (organization_id),
    CONSTRAINT fk_shipment_controls_business_unit FOREIGN KEY (business_unit_id)
        REFERENCES business_units (id) ON DELETE CASCADE,
    CONSTRAINT fk_shipment_controls_organization FOREIGN KEY (organization_id)
        REFERENCES organizations (id) ON DELETE CASCADE,
    CONSTRAINT fk_shipment_controls_detention_charge
        FOREIGN KEY (detention_charge_id, organization_id, business_unit_id)
        REFERENCES accessorial_charges (id, organization_id, business_unit_id) ON DELETE CASCADE
);

CREATE INDEX idx_shipment_controls_business_unit ON shipment_controls (business_unit_id, organization_id);
CREATE INDEX idx_shipment_controls_created_at ON shipment_controls (created_at, updated_at);

ALTER TABLE shipment_controls ALTER COLUMN business_unit_id SET STATISTICS 1000;
ALTER TABLE shipment_controls ALTER COLUMN organization_id SET STATISTICS 1000;
ALTER TABLE shipment_controls REPLICA IDENTITY FULL;

COMMENT ON TABLE shipment_controls IS 'Stores configuration for shipment controls and validation rules';
COMMENT ON COLUMN shipment_controls.check_hazmat_segregation IS 'Controls whether hazardous material segregation validation is performed';

CREATE FUNCTION shipment_controls_update_timestamp() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := EXTRACT(EPOCH FROM CURRENT_TIMESTAMP)::bigint;
    RETURN NEW;
END;
$$;

CREATE TRIGGER shipment_controls_update_timestamp_trigger
    BEFORE UPDATE ON shipment_controls
    FOR EACH ROW EXECUTE FUNCTION shipment_controls_update_timestamp();


CREATE TABLE billing_controls (
    id                               varchar(100)                    NOT NULL,
    business_unit_id                 varchar(100)                    NOT NULL,
    organization_id                  varchar(100)                    NOT NULL,
    invoice_number_prefix            varchar(100)                    NOT NULL DEFAULT 'INV-',
    credit_memo_number_prefix        varchar(100)                    NOT NULL DEFAULT 'CM-',
    payment_term                     payment_term_enum               NOT NULL DEFAULT 'Net30',
    show_invoice_due_date            boolean                         NOT NULL DEFAULT true,
    invoice_terms                    text,
    invoice_footer                   text,
    show_amount_due                  boolean                         NOT NULL DEFAULT true,
    auto_transfer                    boolean                         NOT NULL DEFAULT true,
    transfer_schedule                transfer_schedule_enum          NOT NULL DEFAULT 'Continuous',
    transfer_batch_size              integer                         NOT NULL DEFAULT 100,
    auto_mark_ready_to_bill          boolean                         NOT NULL DEFAULT true,
    enforce_customer_billing_req     boolean                         NOT NULL DEFAULT true,
    validate_customer_rates          boolean                         NOT NULL DEFAULT true,
    auto_bill                        boolean                         NOT NULL DEFAULT true,
    send_auto_bill_notifications     boolean                         NOT NULL DEFAULT true,
    auto_bill_batch_size             integer                         NOT NULL DEFAULT 100,
    billing_exception_handling       billing_exception_handling_enum NOT NULL DEFAULT 'Queue',
    rate_discrepancy_threshold       numeric(10,2)                   NOT NULL DEFAULT 5.00,
    auto_resolve_minor_discrepancies boolean                         NOT NULL DEFAULT true,
    allow_invoice_consolidation      boolean                         NOT NULL DEFAULT true,
    consolidation_period_days        integer                         NOT NULL DEFAULT 7,
    group_consolidated_invoices      boolean                         NOT NULL DEFAULT true,
    version                          bigint                          NOT NULL DEFAULT 0,
    created_at                       bigint                          NOT NULL DEFAULT EXTRACT(EPOCH FROM current_timestamp)::bigint,
    updated_at                       bigint                          NOT NULL DEFAULT EXTRACT(EPOCH FROM current_timestamp)::bigint,
    CONSTRAINT pk_billing_controls PRIMARY KEY (id, organization_id, business_unit_id),
    CONSTRAINT uq_billing_controls_organization UNIQUE (organization_id),
    CONSTRAINT fk_billing_controls_business_unit FOREIGN KEY (business_unit_id)
        REFERENCES business_units (id) ON DELETE CASCADE,
    CONSTRAINT fk_billing_controls_organization FOREIGN KEY (organization_id)
        REFERENCES organizations (id) ON DELETE CASCADE,
    CONSTRAINT billing_controls_auto_bill_batch_size_check CHECK (auto_bill_batch_size >= 1),
    CONSTRAINT billing_controls_consolidation_period_days_check CHECK (consolidation_period_days >= 1),
    CONSTRAINT billing_controls_rate_discrepancy_threshold_check CHECK (rate_discrepancy_threshold >= 0),
    CONSTRAINT billing_controls_transfer_batch_size_check CHECK (transfer_batch_size >= 1)
);

CREATE INDEX idx_billing_controls_business_unit ON billing_controls (business_unit_id, organization_id);
CREATE INDEX idx_billing_controls_created_at ON billing_controls (created_at, updated_at);

ALTER TABLE billing_controls ALTER COLUMN business_unit_id SET STATISTICS 1000;
ALTER TABLE billing_controls ALTER COLUMN organization_id SET STATISTICS 1000;
ALTER TABLE billing_controls REPLICA IDENTITY FULL;

COMMENT ON TABLE billing_controls IS 'Stores configuration for billing controls and validation rules';

CREATE FUNCTION billing_controls_update_timestamp() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := EXTRACT(EPOCH FROM CURRENT_TIMESTAMP)::bigint;
    RETURN NEW;
END;
$$;

CREATE TRIGGER billing_controls_update_timestamp_trigger
    BEFORE UPDATE ON billing_controls
    FOR EACH ROW EXECUTE FUNCTION billing_controls_update_timestamp();


CREATE TABLE dispatch_controls (
    id                                      varchar(100)                      NOT NULL,
    business_unit_id                        varchar(100)                      NOT NULL,
    organization_id                         varchar(100)                      NOT NULL,
    enable_auto_assignment                  boolean                           NOT NULL DEFAULT true,
    auto_assignment_strategy                auto_assignment_strategy_enum     NOT NULL DEFAULT 'Proximity',
    enforce_worker_assign                   boolean                           NOT NULL DEFAULT true,
    enforce_trailer_continuity              boolean                           NOT NULL DEFAULT true,
    enforce_hos_compliance                  boolean                           NOT NULL DEFAULT true,
    enforce_worker_pta_restrictions         boolean                           NOT NULL DEFAULT true,
    enforce_worker_tractor_fleet_continuity boolean                           NOT NULL DEFAULT true,
    enforce_driver_qualification_compliance boolean                           NOT NULL DEFAULT true,
    enforce_medical_cert_compliance         boolean                           NOT NULL DEFAULT true,
    enforce_hazmat_compliance               boolean                           NOT NULL DEFAULT true,
    enforce_drug_and_alcohol_compliance     boolean                           NOT NULL DEFAULT true,
    compliance_enforcement_level            compliance_enforcement_level_enum NOT NULL DEFAULT 'Warning',
    record_service_failures                 service_incident_type_enum        NOT NULL DEFAULT 'Never',
    service_failure_target                  double precision,
    service_failure_grace_period            integer                           DEFAULT 30,
    version                                 bigint                            NOT NULL DEFAULT 0,
    created_at                              bigint                            NOT NULL DEFAULT EXTRACT(EPOCH FROM current_timestamp)::bigint,
    updated_at                              bigint                            NOT NULL DEFAULT EXTRACT(EPOCH FROM current_timestamp)::bigint,
    CONSTRAINT pk_dispatch_controls PRIMARY KEY (id, organization_id, business_unit_id),
    CONSTRAINT uq_dispatch_controls_organization UNIQUE (organization_id),
    CONSTRAINT fk_dispatch_controls_business_unit FOREIGN KEY (business_unit_id)
        REFERENCES business_units (id) ON DELETE CASCADE,
    CONSTRAINT fk_dispatch_controls_organization FOREIGN KEY (organization_id)
        REFERENCES organizations (id) ON DELETE CASCADE
);

CREATE INDEX idx_dispatch_controls_business_unit ON dispatch_controls (business_unit_id, organization_id);
CREATE INDEX idx_dispatch_controls_created_at ON dispatch_controls (created_at, updated_at);

ALTER TABLE dispatch_controls ALTER COLUMN business_unit_id SET STATISTICS 1000;
ALTER TABLE dispatch_controls ALTER COLUMN organization_id SET STATISTICS 1000;

COMMENT ON TABLE dispatch_controls IS 'Stores configuration for dispatch controls and validation rules';

CREATE FUNCTION dispatch_controls_update_timestamp() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := EXTRACT(EPOCH FROM CURRENT_TIMESTAMP)::bigint;
    RETURN NEW;
END;
$$;

CREATE TRIGGER dispatch_controls_update_timestamp_trigger
    BEFORE UPDATE ON dispatch_controls
    FOR EACH ROW EXECUTE FUNCTION dispatch_controls_update_timestamp();


CREATE TABLE data_retention (
    id                     varchar(100) NOT NULL,
    organization_id        varchar(100) NOT NULL,
    business_unit_id       varchar(100) NOT NULL,
    audit_retention_period integer      NOT NULL DEFAULT 120,
    version                bigint       NOT NULL DEFAULT 0,
    created_at             bigint       NOT NULL DEFAULT EXTRACT(EPOCH FROM current_timestamp)::bigint,
    updated_at             bigint       NOT NULL DEFAULT EXTRACT(EPOCH FROM current_timestamp)::bigint,
    CONSTRAINT pk_data_retention PRIMARY KEY (id, organization_id, business_unit_id),
    CONSTRAINT uq_data_retention_organization UNIQUE (organization_id),
    -- SET NULL on a NOT NULL column: Trenova's (it can only fail), kept as is.
    CONSTRAINT fk_dr_bu FOREIGN KEY (business_unit_id)
        REFERENCES business_units (id) ON DELETE SET NULL,
    CONSTRAINT fk_dr_org FOREIGN KEY (organization_id)
        REFERENCES organizations (id) ON DELETE CASCADE
);

CREATE INDEX idx_data_retention_bu_org ON data_retention (business_unit_id, organization_id);
-- (sic): Trenova's index name.
CREATE INDEX idx_data_rention_timestamps ON data_retention (created_at, updated_at);

ALTER TABLE data_retention ALTER COLUMN organization_id SET STATISTICS 1000;
ALTER TABLE data_retention ALTER COLUMN business_unit_id SET STATISTICS 1000;

COMMENT ON TABLE data_retention IS 'Stores configuration for data retention policy';

CREATE FUNCTION data_retention_update_timestamp() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := EXTRACT(EPOCH FROM CURRENT_TIMESTAMP)::bigint;
    RETURN NEW;
END;
$$;

CREATE TRIGGER data_retention_update_timestamp_trigger
    BEFORE UPDATE ON data_retention
    FOR EACH ROW EXECUTE FUNCTION data_retention_update_timestamp();


CREATE TABLE pattern_configs (
    id                      varchar(100) NOT NULL,
    business_unit_id        varchar(100) NOT NULL,
    organization_id         varchar(100) NOT NULL,
    enabled                 boolean      NOT NULL DEFAULT true,
    min_frequency           integer      NOT NULL DEFAULT 3,
    analysis_window_days    integer      NOT NULL DEFAULT 90,
    min_confidence_score    numeric(5,4) NOT NULL DEFAULT 0.7,
    suggestion_ttl_days     integer      NOT NULL DEFAULT 30,
    require_exact_match     boolean      NOT NULL DEFAULT false,
    weight_recent_shipments boolean      NOT NULL DEFAULT true,
    version                 bigint       NOT NULL DEFAULT 0,
    created_at              bigint       NOT NULL DEFAULT EXTRACT(EPOCH FROM current_timestamp)::bigint,
    updated_at              bigint       NOT NULL DEFAULT EXTRACT(EPOCH FROM current_timestamp)::bigint,
    CONSTRAINT pk_pattern_configs PRIMARY KEY (id, business_unit_id, organization_id),
    CONSTRAINT fk_pattern_configs_business_unit FOREIGN KEY (business_unit_id)
        REFERENCES business_units (id) ON DELETE CASCADE,
    CONSTRAINT fk_pattern_configs_organization FOREIGN KEY (organization_id)
        REFERENCES organizations (id) ON DELETE CASCADE,
    CONSTRAINT chk_pattern_configs_analysis_window_days CHECK (analysis_window_days >= 1 AND analysis_window_days <= 365),
    CONSTRAINT chk_pattern_configs_min_confidence_score CHECK (min_confidence_score >= 0.0 AND min_confidence_score <= 1.0),
    CONSTRAINT chk_pattern_configs_min_frequency CHECK (min_frequency >= 1 AND min_frequency <= 100),
    CONSTRAINT chk_pattern_configs_suggestion_ttl_days CHECK (suggestion_ttl_days >= 1 AND suggestion_ttl_days <= 365)
);

-- A unique index, not a constraint, as Trenova has it.
CREATE UNIQUE INDEX uq_pattern_configs_organization ON pattern_configs (organization_id);
CREATE INDEX idx_pattern_configs_business_unit ON pattern_configs (business_unit_id, organization_id);
CREATE INDEX idx_pattern_configs_created_at ON pattern_configs (created_at, updated_at);

ALTER TABLE pattern_configs ALTER COLUMN business_unit_id SET STATISTICS 1000;
ALTER TABLE pattern_configs ALTER COLUMN organization_id SET STATISTICS 1000;
ALTER TABLE pattern_configs REPLICA IDENTITY FULL;

COMMENT ON TABLE pattern_configs IS 'Stores pattern detection configuration settings for dedicated lane suggestions per organization';
COMMENT ON COLUMN pattern_configs.min_frequency IS 'Minimum number of shipments required to trigger a pattern detection (1-100)';
COMMENT ON COLUMN pattern_configs.analysis_window_days IS 'Number of days to look back when analyzing shipping patterns (1-365)';
COMMENT ON COLUMN pattern_configs.min_confidence_score IS 'Minimum confidence score required to create a dedicated lane suggestion (0.0-1.0)';
COMMENT ON COLUMN pattern_configs.suggestion_ttl_days IS 'Number of days before suggestions expire and are automatically removed (1-365)';
COMMENT ON COLUMN pattern_configs.require_exact_match IS 'Whether pattern detection requires exact matches for equipment and service types';
COMMENT ON COLUMN pattern_configs.weight_recent_shipments IS 'Whether to give more weight to recent shipments in pattern analysis';

CREATE FUNCTION pattern_configs_update_timestamps() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- Auto-update timestamps
    NEW.updated_at := EXTRACT(EPOCH FROM CURRENT_TIMESTAMP)::bigint;
    RETURN NEW;
END;
$$;

CREATE TRIGGER pattern_configs_update_trigger
    BEFORE UPDATE ON pattern_configs
    FOR EACH ROW EXECUTE FUNCTION pattern_configs_update_timestamps();
