DROP TRIGGER trigger_user_roles_refresh ON user_organization_roles;
DROP TRIGGER trigger_user_memberships_refresh ON user_organization_memberships;
DROP TRIGGER trigger_roles_refresh ON roles;
DROP TRIGGER trigger_policies_refresh ON policies;
DROP FUNCTION trigger_refresh_user_policies();
DROP FUNCTION refresh_user_permissions(varchar, varchar);
DROP FUNCTION refresh_user_effective_policies();
DROP MATERIALIZED VIEW user_effective_policies;
