-- Login throttling counts an attempt before the credentials are checked, so that however many
-- guesses arrive at once, no more than a key's threshold are ever verified; a successful login
-- gives its attempt back. Three keys per attempt (auth/auth.c): the subject from this address
-- (a user's own typing, or one guesser), the subject from anywhere (guessing spread over
-- addresses), and the address (many subjects from one place: slowed, never locked out for long).
-- blocks counts the blocks of a key in a row: each lasts twice the one before, up to a maximum.
ALTER TABLE auth_failures ADD COLUMN blocks integer NOT NULL DEFAULT 0;

-- One attempt on each of keys (NULL entries skipped), each with its threshold, first block
-- and longest block in seconds. Returns 0 when the attempt may go ahead (counted on every
-- key), else the seconds to wait (counted on none): a key still blocked refuses, and a key
-- whose threshold is used up is blocked now. A key neither used nor blocked within window_s
-- starts over.
CREATE FUNCTION auth_attempt(keys text[], thresholds int[], block_s int[], block_max_s int[],
                             window_s int) RETURNS bigint LANGUAGE plpgsql
  SET search_path FROM CURRENT AS $$
DECLARE
  i int;
  f auth_failures;
  secs bigint;
  wait bigint := 0;
  fresh interval := make_interval(secs => window_s);
BEGIN
  -- rows in key order, locked: concurrent attempts on a key take turns here
  FOR i IN SELECT s.i FROM generate_subscripts(keys, 1) s(i)
            WHERE keys[s.i] IS NOT NULL ORDER BY keys[s.i] LOOP
    INSERT INTO auth_failures (key, failures, window_start) VALUES (keys[i], 0, now())
      ON CONFLICT (key) DO NOTHING;
    SELECT * INTO f FROM auth_failures WHERE key = keys[i] FOR UPDATE;
    IF f.window_start < now() - fresh AND coalesce(f.blocked_until < now() - fresh, true) THEN
      UPDATE auth_failures SET failures = 0, blocks = 0, window_start = now(),
             blocked_until = NULL WHERE key = keys[i];
    ELSIF f.blocked_until > now() THEN
      wait := greatest(wait, ceil(extract(epoch FROM f.blocked_until - now()))::bigint);
    END IF;
  END LOOP;
  IF wait > 0 THEN RETURN wait; END IF;

  -- a key at its threshold is blocked now; the next attempt after the block is verified again
  FOR i IN SELECT s.i FROM generate_subscripts(keys, 1) s(i) WHERE keys[s.i] IS NOT NULL LOOP
    UPDATE auth_failures
       SET blocked_until = now() + make_interval(secs => least(block_max_s[i],
                             block_s[i] * power(2, least(blocks, 20)))),
           blocks = blocks + 1, failures = thresholds[i] - 1
     WHERE key = keys[i] AND failures >= thresholds[i]
     RETURNING ceil(extract(epoch FROM blocked_until - now()))::bigint INTO secs;
    IF FOUND THEN wait := greatest(wait, secs); END IF;
  END LOOP;
  IF wait > 0 THEN RETURN wait; END IF;

  UPDATE auth_failures SET failures = failures + 1 WHERE key = ANY (keys);
  RETURN 0;
END $$;
