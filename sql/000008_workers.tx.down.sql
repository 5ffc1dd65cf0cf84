DROP TABLE worker_pto;
DROP TABLE worker_profiles;
DROP TABLE workers;
DROP FUNCTION worker_pto_search_trigger();
DROP FUNCTION workers_search_trigger();
