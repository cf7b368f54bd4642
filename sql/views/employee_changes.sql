-- employee_changes: what changed for whom, and when? One row per event in employees_history:
--   change = 'added'    the employee's first version (field NULL);
--            'changed'  one row per field of the API record whose value differs from the
--                       employee's previous version (field = the API's field name, old_value /
--                       new_value as JSON text, e.g. department '{"id":5,"name":"Sales"}');
--                       `modified` itself is left out, it moves with every change;
--            'deleted'  the employee stopped being returned (the version closed with no
--                       version following it at once); run_id is NULL for this event;
--            'revived'  the employee came back after being deleted (its field changes, if
--                       any, follow as 'changed' rows at the same changed_at).
-- changed_at is the time the sync stored the change (UTC), run_id the sync (sync_runs.id).
-- Fields are compared on the raw API record, so fields the schema has no column for show too.
-- Last month's changes of one person:
--   WHERE employee_id = 'EMP001' AND changed_at >= TIMESTAMP '2024-05-01' ORDER BY changed_at
CREATE OR REPLACE VIEW employee_changes AS
WITH v AS (
    SELECT company_id, id, employee_id, full_name, raw, valid_from, valid_to, run_id,
           lag(raw) OVER w             AS prev_raw,
           lag(valid_to) OVER w        AS prev_valid_to,
           lead(valid_from) OVER w     AS next_valid_from
    FROM employees_history
    WINDOW w AS (PARTITION BY company_id, id ORDER BY valid_from)
),
fields AS (
    SELECT v.*, unnest(list_distinct(list_concat(json_keys(raw), json_keys(prev_raw)))) AS field
    FROM v
    WHERE prev_raw IS NOT NULL
),
diffs AS (
    SELECT company_id, id, employee_id, full_name, valid_from AS changed_at, run_id,
           'changed' AS change, field,
           json_extract(prev_raw, '$."' || field || '"')::VARCHAR AS old_value,
           json_extract(raw, '$."' || field || '"')::VARCHAR AS new_value
    FROM fields
    WHERE field <> 'modified'
)
SELECT company_id, id, employee_id, full_name, valid_from AS changed_at, run_id,
       'added' AS change, NULL::VARCHAR AS field, NULL::VARCHAR AS old_value, NULL::VARCHAR AS new_value
FROM v WHERE prev_raw IS NULL
UNION ALL
SELECT company_id, id, employee_id, full_name, valid_from, run_id, 'revived', NULL, NULL, NULL
FROM v WHERE prev_valid_to < valid_from
UNION ALL
SELECT company_id, id, employee_id, full_name, valid_to, NULL, 'deleted', NULL, NULL, NULL
FROM v WHERE valid_to IS NOT NULL AND (next_valid_from IS NULL OR next_valid_from > valid_to)
UNION ALL
SELECT * FROM diffs WHERE old_value IS DISTINCT FROM new_value;
COMMENT ON VIEW employee_changes IS 'Every change of every employee from employees_history: added, deleted, revived, and one row per changed field with old and new value.';
