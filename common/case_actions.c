/* The action names of a case (see case_actions.h). */
#include "case_actions.h"

const char *const case_action_names[CASE_ACTION_COUNT] = {
    "add_remove_tasks",
    "allocate_partners",
    "show_office_categories",
    "make_compensation_decision",
    "cash_offer_all_tasks",
    "cash_offer_before_budget_approval",
    "add_budget_for_other_partners",
    "approve_budget",
    "approve_tasks",
    "rfq_initiate_edit",
    "rfq_add_external_partners",
    "rfq_decide",
    "customer_communication",
    "chat_notifications",
    "cash_offer_wi_before_budget_approval",
    "start_inspection",
    /* always allowed to a marked external case handler, whatever the definition */
    "chat",
    "documents",
    "reported_information",
};
