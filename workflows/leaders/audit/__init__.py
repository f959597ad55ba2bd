"""The leaders' audit log: the rows of a school's records (rows.py) and the tool that
filters and exports them (views.py)."""
