"""Forms of the account pages (none yet: the pages only read; accounts are edited in admin)."""
