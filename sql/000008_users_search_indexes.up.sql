-- Not transactional: CONCURRENTLY builds the indexes without blocking writes
-- to users, and cannot run inside a transaction block.
CREATE INDEX CONCURRENTLY IF NOT EXISTS users_status_idx ON users (status)
    WHERE status <> 'Active';
CREATE INDEX CONCURRENTLY IF NOT EXISTS users_name_lower_idx ON users (lower(name));
CREATE INDEX CONCURRENTLY IF NOT EXISTS users_last_login_at_idx ON users (last_login_at DESC NULLS LAST);
