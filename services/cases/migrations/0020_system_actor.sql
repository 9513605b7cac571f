-- The service itself acts on what happened (an inspection report built once the inspection
-- completed), and an outside partner through its RFQ link: both are actors of the history.
ALTER TABLE case_history DROP CONSTRAINT case_history_actor_kind_check;
ALTER TABLE case_history ADD CONSTRAINT case_history_actor_kind_check
  CHECK (actor_kind IN ('user', 'client', 'system', 'outside_partner'));
