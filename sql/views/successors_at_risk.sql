-- successors_at_risk: which named successors might we lose, and what would that cost?
-- One row per current successor record whose employee's attrition_risk_score is over 70 (the
-- API's own "at risk" threshold): the successor, the position they are named for (holder_key,
-- role, holder_name), their readiness for it, how many positions they cover in all
-- (positions_covered), and how many successors and ready-now successors that position has
-- (a ready-now successor at risk on a position with position_ready_now_successors = 1 is its
-- only one). employee_deleted_at is set if the employee has already left.
-- Biggest exposure first: ORDER BY attrition_risk_score DESC, readiness_rank.
CREATE OR REPLACE VIEW successors_at_risk AS
WITH s AS (
    SELECT *,
           count(*) OVER (PARTITION BY company_id, holder_key, role)                 AS position_successors,
           count(*) FILTER (WHERE readiness_rank = 0)
                    OVER (PARTITION BY company_id, holder_key, role)                 AS position_ready_now_successors
    FROM successors_current
),
covered AS (
    SELECT company_id, employee, count(DISTINCT {'h': holder_key, 'r': role}) AS positions_covered
    FROM successors_current
    WHERE employee IS NOT NULL
    GROUP BY company_id, employee
)
SELECT s.company_id,
       s.employee,
       s.employee_id,
       s.employee_name,
       s.employee_email,
       s.employee_department,
       s.employee_position,
       s.attrition_risk_score,
       s.employee_deleted_at,
       s.successor_id,
       s.holder_key,
       s.role,
       s.holder_name,
       s.position_department,
       s.expected_readiness,
       s.readiness_rank,
       s.updated_fit,
       c.positions_covered,
       s.position_successors,
       s.position_ready_now_successors
FROM s
JOIN covered c ON c.company_id = s.company_id AND c.employee = s.employee
WHERE s.attrition_risk_score > 70;
COMMENT ON VIEW successors_at_risk IS 'Current successors whose employee''s attrition risk is over 70: the positions they cover, their readiness, and how many other successors those positions have.';
