DROP TABLE us_states;
