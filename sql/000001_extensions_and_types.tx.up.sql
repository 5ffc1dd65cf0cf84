-- Trenova's schema (emoss08/Trenova at eac57070), the part its seeds fill.
-- Extensions and the shared types. pg_trgm backs the trigram search indexes;
-- Trenova also installs unaccent and postgis, which no table here needs.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Domains
CREATE DOMAIN us_postal_code AS text
    CONSTRAINT us_postal_code_check CHECK (VALUE ~ '^\d{5}$' OR VALUE ~ '^\d{5}-\d{4}$');

CREATE DOMAIN auto_cancel_shipments_threshold AS smallint
    CONSTRAINT auto_cancel_shipments_threshold_check CHECK (VALUE BETWEEN 0 AND 90);

-- Shared enums
CREATE TYPE status_enum AS ENUM ('Active', 'Inactive');
CREATE TYPE gender_enum AS ENUM ('Male', 'Female', 'Other');
CREATE TYPE business_unit_status_enum AS ENUM ('Active', 'Inactive', 'Suspended', 'Pending');
CREATE TYPE org_type_enum AS ENUM ('Carrier', 'Brokerage', 'BrokerageCarrier');
CREATE TYPE time_format_enum AS ENUM ('12-hour', '24-hour');

-- Permissions
CREATE TYPE effect_enum AS ENUM ('allow', 'deny');
CREATE TYPE role_level_enum AS ENUM ('system', 'bu', 'org', 'custom');

-- Workers
CREATE TYPE worker_type_enum AS ENUM ('Employee', 'Contractor');
CREATE TYPE endorsement_type_enum AS ENUM ('O', 'N', 'H', 'X', 'P', 'T');
CREATE TYPE compliance_status_enum AS ENUM ('Compliant', 'NonCompliant', 'Pending');
CREATE TYPE worker_pto_status_enum AS ENUM ('Requested', 'Approved', 'Rejected', 'Cancelled');
CREATE TYPE worker_pto_type_enum AS ENUM (
    'Personal', 'Vacation', 'Sick', 'Holiday', 'Bereavement', 'Maternity', 'Paternity'
);

-- Equipment, locations, documents, accessorials
CREATE TYPE equipment_class_enum AS ENUM ('Tractor', 'Trailer', 'Container', 'Other');
CREATE TYPE location_category_type AS ENUM (
    'Terminal', 'Warehouse', 'DistributionCenter', 'TruckStop', 'RestArea',
    'CustomerLocation', 'Port', 'RailYard', 'MaintenanceFacility'
);
CREATE TYPE facility_type AS ENUM (
    'CrossDock', 'StorageWarehouse', 'ColdStorage', 'HazmatFacility', 'IntermodalFacility'
);
CREATE TYPE document_classification_enum AS ENUM ('Public', 'Private', 'Sensitive', 'Regulatory');
CREATE TYPE document_category_enum AS ENUM (
    'Shipment', 'Worker', 'Regulatory', 'Profile', 'Branding', 'Invoice', 'Contract', 'Other'
);
CREATE TYPE accessorial_method_enum AS ENUM ('Flat', 'Distance', 'Percentage');

-- Per-organization controls
CREATE TYPE payment_term_enum AS ENUM ('Net15', 'Net30', 'Net45', 'Net60', 'Net90', 'DueOnReceipt');
CREATE TYPE transfer_schedule_enum AS ENUM ('Continuous', 'Hourly', 'Daily', 'Weekly');
CREATE TYPE billing_exception_handling_enum AS ENUM ('Queue', 'Notify', 'AutoResolve', 'Reject');
CREATE TYPE auto_assignment_strategy_enum AS ENUM ('Proximity', 'Availability', 'LoadBalancing');
CREATE TYPE compliance_enforcement_level_enum AS ENUM ('Warning', 'Block', 'Audit');
CREATE TYPE service_incident_type_enum AS ENUM (
    'Never', 'Pickup', 'Delivery', 'PickupDelivery', 'AllExceptShipper'
);

-- Variables
CREATE TYPE variable_context_enum AS ENUM (
    'Invoice', 'Customer', 'Shipment', 'Organization', 'System'
);
CREATE TYPE variable_value_type_enum AS ENUM ('String', 'Number', 'Date', 'Boolean', 'Currency');
