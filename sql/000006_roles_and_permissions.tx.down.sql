DROP TABLE role_permissions;
DROP TABLE roles;
DROP TABLE permissions;
