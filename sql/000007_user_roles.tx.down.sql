DROP TABLE user_roles;
