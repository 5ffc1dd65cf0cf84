DROP TABLE hazmat_expirations;
