DROP TABLE fleet_codes;
DROP FUNCTION fleet_codes_search_trigger();
