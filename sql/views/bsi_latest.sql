-- bsi_latest: each position's bench strength as of the latest sync of its company, with the
-- change since the position's previous sync. Positions the latest sync no longer returned
-- are left out (their history stays in bsi_trend).
CREATE OR REPLACE VIEW bsi_latest AS
WITH latest_run AS (
    SELECT company_id, max(run_id) AS run_id FROM bench_strength_history GROUP BY company_id
)
SELECT t.*
FROM bsi_trend t
JOIN latest_run l USING (company_id, run_id);
COMMENT ON VIEW bsi_latest IS 'The latest bench strength of each position (from the latest sync of its company), with its change and band.';
