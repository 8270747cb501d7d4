"""The field day: the route order (crm.route.order), today's route (day), verified
visits and the visits report's rows."""
