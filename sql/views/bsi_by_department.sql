-- bsi_by_department: how strong is each department's bench, and how is it moving?
-- One row per company, department and sync (a sync that stored bench strength): the number of
-- positions the department had in /bench-strength/, the average, lowest and highest bench
-- strength index, how many positions fell in each of the API document's bands (80-100
-- excellent, 60-79 good, 40-59 moderate, 0-39 weak; positions_without_bsi when the API sent no
-- index), the successors behind them, and the change of the average since the department's
-- previous sync. `department` is the department name /bench-strength/ gives the position.
-- Read it as a time series: WHERE department = 'Engineering' ORDER BY synced_at.
CREATE OR REPLACE VIEW bsi_by_department AS
WITH d AS (
    SELECT company_id,
           department,
           run_id,
           max(synced_at)                                   AS synced_at,
           count(*)                                         AS positions,
           avg(bench_strength_index)                        AS avg_bench_strength_index,
           min(bench_strength_index)                        AS min_bench_strength_index,
           max(bench_strength_index)                        AS max_bench_strength_index,
           count(*) FILTER (WHERE band = 'excellent')       AS excellent_positions,
           count(*) FILTER (WHERE band = 'good')            AS good_positions,
           count(*) FILTER (WHERE band = 'moderate')        AS moderate_positions,
           count(*) FILTER (WHERE band = 'weak')            AS weak_positions,
           count(*) FILTER (WHERE band IS NULL)             AS positions_without_bsi,
           sum(total_successors)                            AS total_successors,
           sum(ready_now_count)                             AS ready_now_successors
    FROM bsi_trend
    GROUP BY company_id, department, run_id
)
SELECT *,
       avg_bench_strength_index
           - lag(avg_bench_strength_index) OVER (PARTITION BY company_id, department
                                                 ORDER BY synced_at, run_id) AS avg_change
FROM d;
COMMENT ON VIEW bsi_by_department IS 'Bench strength by department over time: per company, department and sync, the positions, average/min/max BSI, positions per band, and the change of the average since the previous sync.';
