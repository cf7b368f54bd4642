-- positions_band_dropped: which positions' succession coverage got worse by a whole band?
-- One row per position and sync at which its band (80-100 excellent, 60-79 good, 40-59
-- moderate, 0-39 weak) is lower than at the position's previous sync (the previous sync that
-- returned the position; a sync with no index for it breaks the comparison). from_band/
-- to_band, the index before and after, when (synced_at, run_id) and the sync compared with
-- (previous_synced_at, previous_run_id); bands_dropped is 1 for good -> moderate, 3 for
-- excellent -> weak. A position is keyed as in bsi_trend (holder id and role).
-- Recent drops first: ORDER BY synced_at DESC.
CREATE OR REPLACE VIEW positions_band_dropped AS
WITH t AS (
    SELECT *,
           CASE band WHEN 'excellent' THEN 4 WHEN 'good' THEN 3
                     WHEN 'moderate' THEN 2 WHEN 'weak' THEN 1 END AS band_rank
    FROM bsi_trend
),
p AS (
    SELECT *,
           lag(band) OVER w      AS from_band,
           lag(band_rank) OVER w AS from_rank,
           lag(run_id) OVER w    AS previous_run_id,
           lag(synced_at) OVER w AS previous_synced_at
    FROM t
    WINDOW w AS (PARTITION BY company_id, holder_key, role,
                              CASE WHEN holder_key = -1
                                   THEN coalesce(current_holder, '') || ' | ' || coalesce(department, '')
                                   ELSE '' END
                 ORDER BY synced_at, run_id)
)
SELECT company_id,
       holder_key,
       role,
       current_holder,
       department,
       from_band,
       band                          AS to_band,
       from_rank - band_rank         AS bands_dropped,
       previous_bench_strength_index AS bench_strength_index_before,
       bench_strength_index          AS bench_strength_index_after,
       change,
       previous_run_id,
       previous_synced_at,
       run_id,
       synced_at
FROM p
WHERE band_rank < from_rank;
COMMENT ON VIEW positions_band_dropped IS 'Positions whose BSI band dropped since their previous sync: from/to band, BSI before/after, and when.';
