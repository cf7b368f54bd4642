-- successors_current: who is named to succeed whom, now? One row per current successor record
-- (`successors` with deleted_at IS NULL: the latest complete /successors/ list still had it),
-- with the position it is for and the successor's employee record.
-- The position is the current `positions` row with the same company_id and holder_key
-- (= successors.position_holder_key, the role holder's employee id); for positions without a
-- holder (holder_key = -1) the role must match too. holder_key and role are the position's
-- key: join other tables on (company_id, holder_key, role). readiness_rank orders
-- expected_readiness: 0 ready_now, 1 <6_months, 2 6-12_months, 3 12-24_months, 4 >24_months
-- (NULL for any other value). The employee columns (employee_*, attrition_risk_score,
-- is_high_performer) come from `employees` (successors.employee = employees.id in the same
-- company); employee_deleted_at is set if the employee has left.
CREATE OR REPLACE VIEW successors_current AS
WITH linked AS (
    SELECT s.*,
           p.role        AS p_role,
           p.holder_name AS p_holder_name,
           p.department  AS p_department
    FROM successors s
    LEFT JOIN positions p
           ON p.company_id = s.company_id
          AND p.holder_key = s.position_holder_key
          AND p.deleted_at IS NULL
          AND (s.position_holder_key <> -1 OR p.role = s.role_to_succeed)
    WHERE s.deleted_at IS NULL
    -- One position per successor record, even if a holder appears under two roles.
    QUALIFY row_number() OVER (
        PARTITION BY s.company_id, s.id, s.position_holder_key
        ORDER BY (p.role = s.role_to_succeed) DESC NULLS LAST, p.role) = 1
)
SELECT l.company_id,
       l.id                                                   AS successor_id,
       l.position_holder_key                                  AS holder_key,
       coalesce(l.p_role, l.current_role_holder_position, l.role_to_succeed) AS role,
       coalesce(l.p_holder_name, l.current_role_holder_name)  AS holder_name,
       coalesce(l.p_department, l.current_role_holder_department) AS position_department,
       l.role_to_succeed,
       l.employee,
       coalesce(e.full_name, l.employee_name)                 AS employee_name,
       e.employee_id,
       e.email                                                AS employee_email,
       coalesce(e.department_name, l.department)              AS employee_department,
       coalesce(e.position, l.current_position)               AS employee_position,
       e.attrition_risk_score,
       e.is_high_performer,
       e.deleted_at                                           AS employee_deleted_at,
       l.expected_readiness,
       CASE l.expected_readiness
            WHEN 'ready_now' THEN 0 WHEN '<6_months' THEN 1 WHEN '6-12_months' THEN 2
            WHEN '12-24_months' THEN 3 WHEN '>24_months' THEN 4 END AS readiness_rank,
       l.predicted_readiness,
       l.progress_status,
       l.fit_score_display,
       l.initial_fit,
       l.updated_fit,
       l.initial_gaps,
       l.updated_gaps,
       l.first_seen_at,
       l.synced_at
FROM linked l
LEFT JOIN employees e ON e.company_id = l.company_id AND e.id = l.employee;
COMMENT ON VIEW successors_current IS 'Current successor records with their position (company_id, holder_key, role) and the successor''s employee record; readiness_rank 0 = ready_now .. 4 = >24_months.';
