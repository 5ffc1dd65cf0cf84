DROP TABLE accessorial_charges;
DROP FUNCTION accessorial_charges_search_vector_update();
DROP FUNCTION accessorial_charges_search_trigger();
