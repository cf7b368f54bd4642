-- readiness_pipeline: is the succession pipeline filling up or drying out?
-- One row per company and sync that stored succession data: how many successor records were
-- current at that sync per expected readiness (ready_now, <6_months, 6-12_months,
-- 12-24_months, >24_months, other = any other or no value), in total, and how many distinct
-- employees and positions they are.
--
-- How: each sync stores /successors/ and /bench-strength/ in one transaction stamped with one
-- time, which is bench_strength_history.synced_at and the valid_from of every
-- successors_history / positions_history version that sync opened (and the valid_to of every
-- version it closed, deletions included). Those (run_id, time) pairs are the sync points; the
-- pipeline at a point is every successors_history version with valid_from <= time and
-- (valid_to IS NULL OR valid_to > time), i.e. exactly the successor list that sync left behind.
-- Why not sync_runs' times: started_at comes before the sync stores succession data (it would
-- show the previous sync's state), finished_at is NULL for a killed sync, and the status does
-- not say whether succession data was stored (a sync that failed later did store it; one
-- killed early did not). Why not summing bench_strength_history's counts: those are the API's
-- per-position aggregates from another endpoint, matched to positions by display name; they
-- count a person named for three positions three times and cannot count people.
-- run_status and mode come from sync_runs. Read it as a time series: ORDER BY synced_at.
CREATE OR REPLACE VIEW readiness_pipeline AS
WITH points AS (
    SELECT company_id, run_id, max(t) AS synced_at
    FROM (
        SELECT company_id, run_id, synced_at AS t FROM bench_strength_history
        UNION ALL
        SELECT company_id, run_id, valid_from FROM successors_history WHERE run_id IS NOT NULL
        UNION ALL
        SELECT company_id, run_id, valid_from FROM positions_history WHERE run_id IS NOT NULL
    )
    GROUP BY company_id, run_id
),
at_point AS (
    SELECT p.company_id, p.run_id, p.synced_at, h.id, h.employee, h.expected_readiness,
           h.position_holder_key, h.role_to_succeed
    FROM points p
    LEFT JOIN successors_history h
           ON h.company_id = p.company_id
          AND h.valid_from <= p.synced_at
          AND (h.valid_to IS NULL OR h.valid_to > p.synced_at)
)
SELECT a.company_id,
       a.run_id,
       a.synced_at,
       r.status                                                         AS run_status,
       r.mode,
       count(a.id) FILTER (WHERE a.expected_readiness = 'ready_now')    AS ready_now,
       count(a.id) FILTER (WHERE a.expected_readiness = '<6_months')    AS less_6_months,
       count(a.id) FILTER (WHERE a.expected_readiness = '6-12_months')  AS six_12_months,
       count(a.id) FILTER (WHERE a.expected_readiness = '12-24_months') AS twelve_24_months,
       count(a.id) FILTER (WHERE a.expected_readiness = '>24_months')   AS more_24_months,
       count(a.id) FILTER (WHERE a.expected_readiness IS NULL OR a.expected_readiness NOT IN
           ('ready_now', '<6_months', '6-12_months', '12-24_months', '>24_months')) AS other,
       count(a.id)                                                      AS total_successors,
       count(DISTINCT a.employee)                                       AS distinct_employees,
       -- A position is its holder's id; positions without a holder (-1) are told apart by role.
       count(DISTINCT {'h': a.position_holder_key,
                       'r': CASE WHEN a.position_holder_key = -1 THEN a.role_to_succeed END})
           FILTER (WHERE a.id IS NOT NULL)                              AS positions_covered
FROM at_point a
LEFT JOIN sync_runs r ON r.id = a.run_id
GROUP BY a.company_id, a.run_id, a.synced_at, r.status, r.mode;
COMMENT ON VIEW readiness_pipeline IS 'Successor records per readiness level at each sync (from successors_history evaluated at the sync''s succession time), with totals, distinct employees and positions covered.';
