-- positions_without_ready_successor: which positions could not be filled today if the holder
-- left? One row per current position (latest sync: positions.deleted_at IS NULL) that has no
-- current successor record with expected_readiness = 'ready_now'. successors = 0 means nobody
-- is named at all; otherwise nearest_readiness says how soon the first one will be ready, and
-- the *_successors columns how many are at each level. Worst first:
-- ORDER BY successors, bench_strength_index.
CREATE OR REPLACE VIEW positions_without_ready_successor AS
SELECT company_id,
       holder_key,
       role,
       holder_name,
       holder_email,
       department,
       bench_strength_index,
       band,
       successors,
       nearest_readiness,
       less_6_months_successors,
       six_12_months_successors,
       twelve_24_months_successors,
       more_24_months_successors,
       synced_at
FROM positions_current
WHERE ready_now_successors = 0;
COMMENT ON VIEW positions_without_ready_successor IS 'Current positions with no ready-now successor: how many successors they have and how soon the nearest is ready.';
