-- iso() formats every time of every document and list row. Declared IMMUTABLE around a STABLE
-- body (to_char), PostgreSQL could not inline it and ran it as a nested statement per call:
-- two per listed case, most of a 50-case page's time. Declared STABLE it is inlined.
CREATE OR REPLACE FUNCTION iso(t timestamptz) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;
