-- 0002_succession_synced_at: when each sync stored its succession data (positions,
-- successors, bench strength), so "the pipeline as of each sync" needs no guessing from
-- sync_runs.started_at (which precedes it) or finished_at (NULL for a killed sync).
ALTER TABLE sync_runs ADD COLUMN succession_synced_at TIMESTAMP;
COMMENT ON COLUMN sync_runs.succession_synced_at IS 'When this sync stored positions, successors and bench strength (NULL if it did not get that far).';
UPDATE sync_runs s SET succession_synced_at = b.synced_at
FROM (SELECT run_id, max(synced_at) AS synced_at FROM bench_strength_history GROUP BY run_id) b
WHERE b.run_id = s.id;
