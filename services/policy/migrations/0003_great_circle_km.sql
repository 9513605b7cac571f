-- Great-circle distance in km between two points, for ordering offices by distance from a damage
-- site (GET /internal/offices/eligible). It is earthdistance's formula:
--   earth_distance(ll_to_earth(lat1, lon1), ll_to_earth(lat2, lon2)) / 1000
-- but the extension's SQL functions (public.ll_to_earth, public.earth_distance) name cube(),
-- earth() and the earth type unqualified, so they fail under this role's search_path (its own
-- schema only): "type earth does not exist", even when called as public.ll_to_earth. The SET
-- clause runs them with public on the path, for this function only. NULL when a coordinate is.
CREATE FUNCTION great_circle_km(lat1 double precision, lon1 double precision,
                                lat2 double precision, lon2 double precision)
  RETURNS double precision
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  SET search_path = public, pg_temp
AS $$ SELECT earth_distance(ll_to_earth(lat1, lon1), ll_to_earth(lat2, lon2)) / 1000.0 $$;
