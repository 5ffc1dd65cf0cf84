-- psql input: meta-commands are psql's, not SQL. The server's parser
-- (and pglast) reject them; trenova-db refuses them before running anything.
\set ON_ERROR_STOP on
SELECT 1;
SELECT 'a' AS x \gset
SELECT format('SELECT %s', 2) \gexec
\echo done; really
SELECT 3;
