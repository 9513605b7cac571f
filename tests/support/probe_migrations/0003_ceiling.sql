-- The benchmark's ceiling (bench/cases.sh): one row read by its primary key, the least a route
-- that reads the database can do.
CREATE TABLE ceiling (
  id       bigint PRIMARY KEY,
  payload  text NOT NULL
);
INSERT INTO ceiling (id, payload) SELECT g, 'row ' || g FROM generate_series(1, 1000) g;
