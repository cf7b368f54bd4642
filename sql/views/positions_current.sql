-- positions_current: what does succession coverage look like now, position by position?
-- One row per current position (`positions` with deleted_at IS NULL: a role holder and role the
-- latest complete /successors/ list returned), with its bench strength index from /successors/
-- and its band (80-100 excellent, 60-79 good, 40-59 moderate, 0-39 weak), and its current
-- successor records counted per readiness (from successors_current). nearest_readiness is the
-- readiness of its soonest-ready successor (NULL when it has none).
CREATE OR REPLACE VIEW positions_current AS
WITH s AS (
    SELECT company_id, holder_key, role,
           count(*)                                         AS successors,
           count(*) FILTER (WHERE readiness_rank = 0)       AS ready_now_successors,
           count(*) FILTER (WHERE readiness_rank = 1)       AS less_6_months_successors,
           count(*) FILTER (WHERE readiness_rank = 2)       AS six_12_months_successors,
           count(*) FILTER (WHERE readiness_rank = 3)       AS twelve_24_months_successors,
           count(*) FILTER (WHERE readiness_rank = 4)       AS more_24_months_successors,
           arg_min(expected_readiness, readiness_rank)      AS nearest_readiness
    FROM successors_current
    GROUP BY company_id, holder_key, role
)
SELECT p.company_id,
       p.holder_key,
       p.role,
       p.holder_name,
       p.holder_email,
       p.department,
       p.bench_strength                                      AS bench_strength_index,
       CASE WHEN p.bench_strength >= 80 THEN 'excellent'
            WHEN p.bench_strength >= 60 THEN 'good'
            WHEN p.bench_strength >= 40 THEN 'moderate'
            WHEN p.bench_strength IS NOT NULL THEN 'weak' END AS band,
       coalesce(s.successors, 0)                             AS successors,
       coalesce(s.ready_now_successors, 0)                   AS ready_now_successors,
       coalesce(s.less_6_months_successors, 0)               AS less_6_months_successors,
       coalesce(s.six_12_months_successors, 0)               AS six_12_months_successors,
       coalesce(s.twelve_24_months_successors, 0)            AS twelve_24_months_successors,
       coalesce(s.more_24_months_successors, 0)              AS more_24_months_successors,
       s.nearest_readiness,
       p.first_seen_at,
       p.synced_at
FROM positions p
LEFT JOIN s ON s.company_id = p.company_id AND s.holder_key = p.holder_key AND s.role = p.role
WHERE p.deleted_at IS NULL;
COMMENT ON VIEW positions_current IS 'Current positions with their BSI and band and their current successors counted per readiness.';
