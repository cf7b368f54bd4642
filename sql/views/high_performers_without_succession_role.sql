-- high_performers_without_succession_role: which of our best people have no place in the
-- succession plan? One row per current, active high performer (employees with deleted_at IS
-- NULL, is_high_performer = true and is_active not false) who is neither named in any current
-- successor record (successors.employee, deleted_at IS NULL) nor the role holder of a current
-- position (positions.holder_key, deleted_at IS NULL), with what an analyst needs to place
-- them. Longest-standing first: ORDER BY high_performer_date.
CREATE OR REPLACE VIEW high_performers_without_succession_role AS
SELECT e.company_id,
       e.id,
       e.employee_id,
       e.full_name,
       e.email,
       e.department_name,
       e.position,
       e.seniority_level,
       e.high_performer_date,
       e.performance_score,
       e.role_fit_score,
       e.current_progress_score,
       e.attrition_risk_score,
       e.skill_gaps
FROM employees e
WHERE e.deleted_at IS NULL
  AND e.is_high_performer
  AND e.is_active IS DISTINCT FROM false
  AND NOT EXISTS (SELECT 1 FROM successors s
                  WHERE s.company_id = e.company_id AND s.employee = e.id AND s.deleted_at IS NULL)
  AND NOT EXISTS (SELECT 1 FROM positions p
                  WHERE p.company_id = e.company_id AND p.holder_key = e.id AND p.deleted_at IS NULL);
COMMENT ON VIEW high_performers_without_succession_role IS 'Current active high performers who are neither a current successor nor a current role holder.';
