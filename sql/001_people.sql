-- People: every person record, whether or not they may sign in.
-- All DATETIME columns hold UTC (each connection sets time_zone = '+00:00').
CREATE TABLE people (
  id            INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  first_name    VARCHAR(100) NOT NULL DEFAULT '',
  last_name     VARCHAR(100) NOT NULL DEFAULT '',
  email         VARCHAR(254) NULL,
  username      VARCHAR(64)  NULL,
  password_hash VARCHAR(255) NULL,
  access        ENUM('none', 'content_manager', 'admin') NOT NULL DEFAULT 'none',
  active        TINYINT(1) NOT NULL DEFAULT 1,
  created_at    DATETIME NOT NULL DEFAULT UTC_TIMESTAMP(),
  updated_at    DATETIME NOT NULL DEFAULT UTC_TIMESTAMP(),
  -- Search matches a prefix of the full name, the last name, the email or the
  -- username, each through an index; the list is ordered by ix_people_sort
  -- (whose prefix also serves last-name search).
  full_name     VARCHAR(201) AS (CONCAT(first_name, ' ', last_name)) STORED,
  UNIQUE KEY uq_people_username (username),
  UNIQUE KEY uq_people_email (email),
  KEY ix_people_full_name (full_name),
  KEY ix_people_sort (last_name, first_name, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
