-- Planner statistics, so SQLite picks the covering facet indexes under filters.
ANALYZE;
