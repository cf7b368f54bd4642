-- 0002_succession_synced_at: checkpoints of a sync in sync_runs. succession_synced_at: when
-- it stored its succession data (positions, successors, bench strength), so "the pipeline as
-- of each sync" needs no guessing from started_at (which precedes it) or finished_at (NULL
-- for a killed sync). employees_listed_at: when its employee list scan was stored, so a sync
-- that continues an interrupted one can plan from that scan instead of paying for it again.
ALTER TABLE sync_runs ADD COLUMN succession_synced_at TIMESTAMP;
ALTER TABLE sync_runs ADD COLUMN employees_listed_at TIMESTAMP;
COMMENT ON COLUMN sync_runs.employees_listed_at IS 'When this sync stored its employee list scan (or the scan of the interrupted sync it continued).';
COMMENT ON COLUMN sync_runs.succession_synced_at IS 'When this sync stored positions, successors and bench strength (NULL if it did not get that far).';
UPDATE sync_runs s SET succession_synced_at = b.synced_at
FROM (SELECT run_id, max(synced_at) AS synced_at FROM bench_strength_history GROUP BY run_id) b
WHERE b.run_id = s.id;
