"""Permissions (consents) granted through aupguard and how they cover findings."""
