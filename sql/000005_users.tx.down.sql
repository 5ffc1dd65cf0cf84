DROP TABLE users;
DROP FUNCTION check_user_organization_business_unit();
