DROP TABLE equipment_types;
DROP FUNCTION equipment_types_search_vector_update();
