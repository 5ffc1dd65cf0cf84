DROP TABLE user_organization_roles;
DROP TABLE user_organization_memberships;
DROP TABLE roles;
DROP TABLE policies;
