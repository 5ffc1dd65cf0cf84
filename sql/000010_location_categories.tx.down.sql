DROP TABLE location_categories;
DROP FUNCTION location_categories_search_trigger();
