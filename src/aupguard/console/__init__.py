"""The review console's domain logic, without HTTP: users and sign-in, roles and who may do
what, cases and decisions, permission requests, self-service and the dashboard.

The web layer (aupguard.web) only turns requests into calls here and results into pages."""
