-- Creates one service's database role and schema. Run as a superuser with psql, once per
-- service: psql -v role=cases -v password=secret -f bootstrap.sql
-- The role owns only its schema and can use nothing else: each service touches its own data.
\set ON_ERROR_STOP on
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'role', :'password')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('ALTER ROLE %I PASSWORD %L', :'role', :'password') \gexec
SELECT format('CREATE SCHEMA IF NOT EXISTS %I AUTHORIZATION %I', :'role', :'role') \gexec
SELECT format('ALTER ROLE %I SET search_path = %I', :'role', :'role') \gexec
SELECT format('REVOKE ALL ON SCHEMA %I FROM PUBLIC', :'role') \gexec
SELECT format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), :'role') \gexec
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
-- Distance sorting of offices (policy) needs these; they live in public for every role to call.
CREATE EXTENSION IF NOT EXISTS cube;
CREATE EXTENSION IF NOT EXISTS earthdistance;
