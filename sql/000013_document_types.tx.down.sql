DROP TABLE document_types;
DROP FUNCTION document_types_search_vector_update();
