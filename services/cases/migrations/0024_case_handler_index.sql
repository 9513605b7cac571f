-- The cases a user handles, by the user: the chat rows of the dashboard and the list
-- (CASES_CHAT_MINE_SQL in list/store_case_list.h) start from them on every request. The only
-- index by case handler was partial (cases_handler_reminder: cases with a reminder), so each
-- dashboard read every case of every portal (23-35 ms at 100 000 cases, bench/explain.sh).
CREATE INDEX cases_handler ON cases (case_handler_id);
