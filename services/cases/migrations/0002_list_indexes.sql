-- Indexes of the case list, the dashboard and the reports (services/cases/case_list.h).

-- A case handler's reminders (dashboard rows reminders_today/tomorrow/later, ?case_handler=).
CREATE INDEX cases_handler_reminder ON cases (case_handler_id, reminder_date)
  WHERE reminder_date IS NOT NULL;

-- Tasks still waiting for an office (0) or a user (1): the "action required" conditions look
-- for these few among all tasks.
CREATE INDEX tasks_waiting ON tasks (case_id) WHERE status IN ('0', '1');
