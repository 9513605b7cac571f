-- The cases a user takes part in the chat of (list/store_case_list.h, CASES_CHAT_MINE_SQL): the
-- dashboard's "cases with unread chat" of an insurer user starts from them, by user.
CREATE INDEX chat_participants_user ON chat_participants (user_id);
CREATE INDEX chat_reads_user ON chat_reads (user_id);
