DROP TABLE variables;
DROP TABLE variable_formats;
DROP FUNCTION variables_update_timestamps();
