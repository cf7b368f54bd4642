-- 0001_init: the warehouse's tables.
--
-- Every table carries company_id (the `company.id` of the token response), so several
-- companies can share one file. Timestamps are UTC TIMESTAMP. Entity tables hold the current
-- version of every record ever seen (deleted_at is set when the API stops returning it, and
-- cleared if it comes back); *_history tables hold every version with valid_from / valid_to.
-- `raw` keeps the record exactly as the API sent it, so a field this schema does not know yet
-- is never lost. There are no primary-key constraints: loads de-duplicate and MERGE by key
-- (DuckDB's index maintenance on updates raises false duplicate-key errors).

CREATE TABLE companies (
    company_id      BIGINT NOT NULL,      -- key
    name            VARCHAR,
    first_synced_at TIMESTAMP NOT NULL,
    last_synced_at  TIMESTAMP NOT NULL
);
COMMENT ON TABLE companies IS 'One row per company synced into this file (company.id of the token response).';

CREATE TABLE employees (
    company_id             BIGINT NOT NULL,   -- key
    id                     BIGINT NOT NULL,   -- key: the API''s integer id
    employee_id            VARCHAR,
    full_name              VARCHAR,
    email                  VARCHAR,
    phone                  VARCHAR,
    company                BIGINT,            -- the record''s own `company` field, as sent
    department_id          BIGINT,
    department_name        VARCHAR,
    position               VARCHAR,
    position_start_date    DATE,
    hire_date              DATE,
    education              VARCHAR,
    certifications         VARCHAR[],
    no_of_trainings        BIGINT,
    gender                 VARCHAR,
    recruitment_channel    VARCHAR,
    age                    BIGINT,
    previous_year_rating   DOUBLE,
    length_of_service      DOUBLE,
    awards_won             BIGINT,
    avg_training_score     DOUBLE,
    performance_score      DOUBLE,
    status                 VARCHAR,
    attrition_risk_score   DOUBLE,
    extra_data             JSON,
    last_analyzed          TIMESTAMP,
    is_high_performer      BOOLEAN,
    high_performer_date    TIMESTAMP,
    onboarded              BOOLEAN,
    is_active              BOOLEAN,
    seniority_level        VARCHAR,
    evaluation_history     JSON,
    current_progress_score DOUBLE,
    skill_gaps             VARCHAR[],
    role_fit_score         DOUBLE,
    created                TIMESTAMP,
    modified               TIMESTAMP,
    raw                    JSON NOT NULL,
    content_hash           VARCHAR NOT NULL,
    first_seen_at          TIMESTAMP NOT NULL,
    synced_at              TIMESTAMP NOT NULL,
    deleted_at             TIMESTAMP,
    -- The `modified` value the employee had when its trainings, tasks and mentorships were
    -- last fetched, and when that was: the planner's checkpoint.
    children_modified      TIMESTAMP,
    children_synced_at     TIMESTAMP
);
COMMENT ON TABLE employees IS 'One row per employee ever seen: the latest version. deleted_at is set when a complete list scan no longer returns the employee.';

CREATE TABLE trainings (
    company_id      BIGINT NOT NULL,   -- key
    employee        BIGINT NOT NULL,   -- key: employees.id
    id              BIGINT NOT NULL,   -- key
    employee_name   VARCHAR,
    skill_name      VARCHAR,
    course_name     VARCHAR,
    start_date      DATE,
    completion_date DATE,
    provider        VARCHAR,
    status          VARCHAR,
    rating          DOUBLE,
    feedback        VARCHAR,
    evidence        VARCHAR,
    department      VARCHAR,
    manager_rating  DOUBLE,
    raw             JSON NOT NULL,
    content_hash    VARCHAR NOT NULL,
    first_seen_at   TIMESTAMP NOT NULL,
    synced_at       TIMESTAMP NOT NULL,
    deleted_at      TIMESTAMP
);
COMMENT ON TABLE trainings IS 'One row per training ever seen (?query=trainings of each employee); deleted_at is set when the employee''s complete list no longer has it.';

CREATE TABLE tasks (
    company_id     BIGINT NOT NULL,
    employee       BIGINT NOT NULL,
    id             BIGINT NOT NULL,
    employee_name  VARCHAR,
    department     VARCHAR,
    source         VARCHAR,
    project_name   VARCHAR,
    scope          VARCHAR,
    status         VARCHAR,
    rating         DOUBLE,
    feedback       VARCHAR,
    evidence       VARCHAR,
    manager_rating DOUBLE,
    external_id    VARCHAR,
    raw            JSON NOT NULL,
    content_hash   VARCHAR NOT NULL,
    first_seen_at  TIMESTAMP NOT NULL,
    synced_at      TIMESTAMP NOT NULL,
    deleted_at     TIMESTAMP
);
COMMENT ON TABLE tasks IS 'One row per task ever seen (?query=tasks of each employee); deleted_at as for trainings.';

CREATE TABLE mentorships (
    company_id      BIGINT NOT NULL,
    employee        BIGINT NOT NULL,
    id              BIGINT NOT NULL,
    employee_name   VARCHAR,
    mentor_name     VARCHAR,
    area_of_support VARCHAR,
    status          VARCHAR,
    feedback        VARCHAR,
    evidence        VARCHAR,
    department      VARCHAR,
    rating          DOUBLE,
    manager_rating  DOUBLE,
    raw             JSON NOT NULL,
    content_hash    VARCHAR NOT NULL,
    first_seen_at   TIMESTAMP NOT NULL,
    synced_at       TIMESTAMP NOT NULL,
    deleted_at      TIMESTAMP
);
COMMENT ON TABLE mentorships IS 'One row per mentorship ever seen (?query=mentorships of each employee); deleted_at as for trainings.';

CREATE TABLE successors (
    company_id                  BIGINT NOT NULL,  -- key
    id                          BIGINT NOT NULL,  -- key: the successor record''s id
    position_holder_key         BIGINT NOT NULL,  -- key: current_role_holder_id, or -1 when the position has no holder
    employee                    BIGINT,           -- employees.id of the successor
    employee_name               VARCHAR,
    current_position            VARCHAR,
    department                  VARCHAR,
    role_to_succeed             VARCHAR,
    expected_readiness          VARCHAR,
    predecessor_name            VARCHAR,
    fit_score_display           DOUBLE,
    initial_gaps                VARCHAR[],
    updated_gaps                VARCHAR[],
    progress_status             VARCHAR,
    predicted_readiness         VARCHAR,
    initial_fit                 DOUBLE,
    updated_fit                 DOUBLE,
    notes                       VARCHAR,          -- only in the detail endpoint; NULL unless fetched
    current_role_holder_id      BIGINT,
    current_role_holder_name    VARCHAR,
    current_role_holder_email   VARCHAR,
    current_role_holder_department VARCHAR,
    current_role_holder_position   VARCHAR,
    raw                         JSON NOT NULL,
    content_hash                VARCHAR NOT NULL,
    first_seen_at               TIMESTAMP NOT NULL,
    synced_at                   TIMESTAMP NOT NULL,
    deleted_at                  TIMESTAMP
);
COMMENT ON TABLE successors IS 'One row per successor record per position ever seen (/successors/); deleted_at is set when the complete successors list no longer has it.';

CREATE TABLE positions (
    company_id          BIGINT NOT NULL,  -- key
    holder_key          BIGINT NOT NULL,  -- key: the role holder''s employee id, or -1
    role                VARCHAR NOT NULL, -- key: the holder''s position (the role successors succeed to)
    holder_name         VARCHAR,
    holder_email        VARCHAR,
    department          VARCHAR,
    bench_strength      DOUBLE,
    successor_count     BIGINT,
    raw                 JSON NOT NULL,
    content_hash        VARCHAR NOT NULL,
    first_seen_at       TIMESTAMP NOT NULL,
    synced_at           TIMESTAMP NOT NULL,
    deleted_at          TIMESTAMP
);
COMMENT ON TABLE positions IS 'One row per succession position (a role holder and role from /successors/) ever seen.';

-- History tables: every version of every record, with all of its columns, valid_from..valid_to
-- (valid_to NULL = the current version). A version ends when any value of the record changes,
-- or when the record is deleted; a deleted record that comes back starts a new version.
CREATE TABLE employees_history AS
    SELECT * EXCLUDE (first_seen_at, synced_at, deleted_at, children_modified, children_synced_at),
           NULL::TIMESTAMP AS valid_from, NULL::TIMESTAMP AS valid_to, NULL::BIGINT AS run_id
    FROM employees WHERE false;
COMMENT ON TABLE employees_history IS 'Every version of every employee: valid_from..valid_to (NULL = current). A version ends when any value changes or the employee is deleted.';

CREATE TABLE trainings_history AS
    SELECT * EXCLUDE (first_seen_at, synced_at, deleted_at),
           NULL::TIMESTAMP AS valid_from, NULL::TIMESTAMP AS valid_to, NULL::BIGINT AS run_id
    FROM trainings WHERE false;
COMMENT ON TABLE trainings_history IS 'Every version of every training: valid_from..valid_to (NULL = current).';

CREATE TABLE tasks_history AS
    SELECT * EXCLUDE (first_seen_at, synced_at, deleted_at),
           NULL::TIMESTAMP AS valid_from, NULL::TIMESTAMP AS valid_to, NULL::BIGINT AS run_id
    FROM tasks WHERE false;
COMMENT ON TABLE tasks_history IS 'Every version of every task: valid_from..valid_to (NULL = current).';

CREATE TABLE mentorships_history AS
    SELECT * EXCLUDE (first_seen_at, synced_at, deleted_at),
           NULL::TIMESTAMP AS valid_from, NULL::TIMESTAMP AS valid_to, NULL::BIGINT AS run_id
    FROM mentorships WHERE false;
COMMENT ON TABLE mentorships_history IS 'Every version of every mentorship: valid_from..valid_to (NULL = current).';

CREATE TABLE successors_history AS
    SELECT * EXCLUDE (first_seen_at, synced_at, deleted_at),
           NULL::TIMESTAMP AS valid_from, NULL::TIMESTAMP AS valid_to, NULL::BIGINT AS run_id
    FROM successors WHERE false;
COMMENT ON TABLE successors_history IS 'Every version of every successor record (readiness moves, fit changes): valid_from..valid_to (NULL = current).';

CREATE TABLE positions_history AS
    SELECT * EXCLUDE (first_seen_at, synced_at, deleted_at),
           NULL::TIMESTAMP AS valid_from, NULL::TIMESTAMP AS valid_to, NULL::BIGINT AS run_id
    FROM positions WHERE false;
COMMENT ON TABLE positions_history IS 'Every version of every succession position: valid_from..valid_to (NULL = current).';

CREATE TABLE bench_strength_history (
    run_id                 BIGINT NOT NULL,   -- sync_runs.id
    synced_at              TIMESTAMP NOT NULL,
    company_id             BIGINT NOT NULL,
    holder_key             BIGINT NOT NULL,  -- the role holder''s employee id (from /successors/), or -1 if it could not be matched
    role                   VARCHAR,
    current_holder         VARCHAR,
    department             VARCHAR,
    total_successors       BIGINT,
    ready_now_count        BIGINT,
    less_6_months_count    BIGINT,
    six_12_months_count    BIGINT,
    twelve_24_months_count BIGINT,
    more_24_months_count   BIGINT,
    internal_percentage    DOUBLE,
    external_percentage    DOUBLE,
    bench_strength_index   DOUBLE,
    raw                    JSON NOT NULL
);
COMMENT ON TABLE bench_strength_history IS 'One row per position per sync (/bench-strength/), keyed by company_id, holder_key and role; percentages are numbers (67 for "67%").';

CREATE SEQUENCE sync_runs_id START 1;
CREATE TABLE sync_runs (
    id                   BIGINT NOT NULL DEFAULT nextval('sync_runs_id'),
    company_id           BIGINT,
    mode                 VARCHAR NOT NULL,   -- incremental | full
    started_at           TIMESTAMP NOT NULL,
    finished_at          TIMESTAMP,
    status               VARCHAR NOT NULL,   -- running | succeeded | failed | interrupted | incomplete
    requests             BIGINT NOT NULL DEFAULT 0,
    requests_by_endpoint JSON,
    rate_limited         BIGINT NOT NULL DEFAULT 0,   -- 429 answers
    retries              BIGINT NOT NULL DEFAULT 0,
    rows_changed         JSON,               -- {"table": {"inserted": n, "updated": n, "deleted": n}}
    rejected             BIGINT NOT NULL DEFAULT 0,
    employees_planned    BIGINT,
    employees_remaining  BIGINT,
    full_since           TIMESTAMP,          -- a full sync: children fetched since then count as done (resume)
    error                VARCHAR,
    message              VARCHAR
);
COMMENT ON TABLE sync_runs IS 'One row per sync: mode, times, outcome, requests by endpoint, 429s, retries, rows changed per table, rejected records, and the error of a failed sync.';

CREATE TABLE rejected_records (
    run_id      BIGINT NOT NULL,
    company_id  BIGINT,
    entity      VARCHAR NOT NULL,   -- employee, training, task, mentorship, successor, position, bench_strength
    parent_id   BIGINT,             -- the employee whose list held it, for children
    reason      VARCHAR NOT NULL,
    raw         JSON,
    seen_at     TIMESTAMP NOT NULL
);
COMMENT ON TABLE rejected_records IS 'API records that could not be read, with the payload and the reason; the rest of their page was loaded.';

CREATE TABLE quota_log (
    company_id BIGINT NOT NULL,
    sent_at    TIMESTAMP NOT NULL
);
COMMENT ON TABLE quota_log IS 'Send times of requests within the last rate-limit window, so a restarted process does not spend the quota twice.';
