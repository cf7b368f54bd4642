-- employees_current: who works here now? The employees the latest complete employee list
-- still returned (deleted_at IS NULL), one row each, with every column of `employees` but the
-- planner's bookkeeping. Employees who left stay in `employees` with deleted_at set.
CREATE OR REPLACE VIEW employees_current AS
SELECT * EXCLUDE (deleted_at, children_modified, children_synced_at, content_hash)
FROM employees
WHERE deleted_at IS NULL;
COMMENT ON VIEW employees_current IS 'The employees the API returns now (deleted_at IS NULL), one row each.';
