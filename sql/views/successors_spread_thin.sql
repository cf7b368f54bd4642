-- successors_spread_thin: who is counted on for several positions at once?
-- One row per employee named as a successor for two or more distinct current positions
-- (successors_current; a position is company_id + holder_key + role): how many positions, the
-- roles and holders (sorted lists), how many of those they are ready-now for, and their
-- attrition risk. The API's BSI already docks positions for shared successors ("successor
-- utilization"); this shows who they are. Most stretched first: ORDER BY positions DESC.
CREATE OR REPLACE VIEW successors_spread_thin AS
SELECT company_id,
       employee,
       any_value(employee_id)                               AS employee_id,
       any_value(employee_name)                             AS employee_name,
       any_value(employee_department)                       AS employee_department,
       any_value(employee_position)                         AS employee_position,
       any_value(attrition_risk_score)                      AS attrition_risk_score,
       count(DISTINCT {'h': holder_key, 'r': role})         AS positions,
       list(DISTINCT role ORDER BY role)                    AS roles,
       list(DISTINCT holder_name ORDER BY holder_name)      AS holders,
       count(DISTINCT {'h': holder_key, 'r': role})
           FILTER (WHERE readiness_rank = 0)                AS ready_now_positions
FROM successors_current
WHERE employee IS NOT NULL
GROUP BY company_id, employee
HAVING count(DISTINCT {'h': holder_key, 'r': role}) >= 2;
COMMENT ON VIEW successors_spread_thin IS 'Employees named as successor for two or more current positions: how many, which roles and holders, and for how many they are ready now.';
