-- bsi_trend: the bench strength index of every position at every sync, with its change since
-- the position's previous sync and the API document's band (80-100 excellent, 60-79 good,
-- 40-59 moderate, 0-39 weak). A position is its role holder's employee id and role
-- (holder_key = -1 when /bench-strength/ named a holder /successors/ did not have; such rows
-- are told apart by holder name and department).
CREATE OR REPLACE VIEW bsi_trend AS
WITH h AS (
    SELECT *,
           CASE WHEN holder_key = -1
                THEN coalesce(current_holder, '') || ' | ' || coalesce(department, '')
                ELSE '' END AS unmatched_key
    FROM bench_strength_history
)
SELECT company_id,
       holder_key,
       role,
       current_holder,
       department,
       run_id,
       synced_at,
       bench_strength_index,
       lag(bench_strength_index) OVER w AS previous_bench_strength_index,
       bench_strength_index - lag(bench_strength_index) OVER w AS change,
       CASE WHEN bench_strength_index >= 80 THEN 'excellent'
            WHEN bench_strength_index >= 60 THEN 'good'
            WHEN bench_strength_index >= 40 THEN 'moderate'
            WHEN bench_strength_index IS NOT NULL THEN 'weak' END AS band,
       total_successors,
       ready_now_count,
       less_6_months_count,
       six_12_months_count,
       twelve_24_months_count,
       more_24_months_count,
       internal_percentage,
       external_percentage
FROM h
WINDOW w AS (PARTITION BY company_id, holder_key, role, unmatched_key ORDER BY synced_at, run_id);
COMMENT ON VIEW bsi_trend IS 'Bench strength index of every position at every sync, with change since the previous sync and the band (excellent/good/moderate/weak).';
