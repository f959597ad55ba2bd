"""The leaders' oversight of class pages: the figures (figures.py) and their chart
(chart.py), the report and the homepage panel (views.py), and the monitoring reviews a
leader records from the report, with their CSV export (reviews.py)."""
