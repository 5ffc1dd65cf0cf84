DROP TABLE business_units;
