-- Bearer tokens: at most one per person (the primary key), so creating a
-- token replaces the previous one in a single row write. Only a digest of
-- the token and a non-secret hint are stored.
CREATE TABLE bearer_tokens (
  person_id         INT UNSIGNED NOT NULL PRIMARY KEY,
  token_digest      CHAR(64) CHARACTER SET ascii NOT NULL,
  hint              VARCHAR(32) NOT NULL,
  created_at        DATETIME NOT NULL,
  expires_at        DATETIME NOT NULL,
  created_by        INT UNSIGNED NULL,
  last_used_at      DATETIME NULL,
  last_used_address VARCHAR(45) NULL,
  UNIQUE KEY uq_bearer_tokens_digest (token_digest),
  CONSTRAINT fk_bearer_tokens_person FOREIGN KEY (person_id) REFERENCES people (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The audit trail of tokens: who created or revoked whose token, when, from where.
CREATE TABLE bearer_token_events (
  id             BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  person_id      INT UNSIGNED NOT NULL,
  actor_id       INT UNSIGNED NULL,
  event          ENUM('created', 'replaced', 'revoked', 'ended') NOT NULL,
  hint           VARCHAR(32) NOT NULL,
  client_address VARCHAR(45) NOT NULL,
  created_at     DATETIME(6) NOT NULL,
  KEY ix_bearer_token_events_person (person_id, created_at),
  CONSTRAINT fk_bearer_token_events_person FOREIGN KEY (person_id) REFERENCES people (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Failed bearer authentications, counted per client address (429 past a limit).
CREATE TABLE bearer_auth_failures (
  id             BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  client_address VARCHAR(45) NOT NULL,
  failed_at      DATETIME(6) NOT NULL,
  KEY ix_bearer_auth_failures_address (client_address, failed_at),
  KEY ix_bearer_auth_failures_time (failed_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
