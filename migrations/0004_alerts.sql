CREATE TABLE `alert_notifications` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`alert_id` text NOT NULL,
	`event_id` text NOT NULL,
	`transition` text NOT NULL,
	`url` text NOT NULL,
	`attempt` integer NOT NULL,
	`status` integer,
	`error` text,
	`attempted_at` integer NOT NULL,
	FOREIGN KEY (`alert_id`) REFERENCES `alerts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `alert_notifications_alert` ON `alert_notifications` (`alert_id`,`attempted_at`);--> statement-breakpoint
CREATE TABLE `alert_rules` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`metric` text NOT NULL,
	`comparator` text NOT NULL,
	`threshold` real NOT NULL,
	`window_seconds` integer NOT NULL,
	`scope` text NOT NULL,
	`filter` text,
	`min_samples` integer DEFAULT 0 NOT NULL,
	`hysteresis` real DEFAULT 0 NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`notify_url` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `alert_rules_scope_enabled` ON `alert_rules` (`scope`,`enabled`);--> statement-breakpoint
CREATE TABLE `alerts` (
	`id` text PRIMARY KEY NOT NULL,
	`rule_id` text NOT NULL,
	`rule_name` text NOT NULL,
	`metric` text NOT NULL,
	`scope` text NOT NULL,
	`scope_key` text NOT NULL,
	`state` text NOT NULL,
	`threshold` real NOT NULL,
	`last_value` real,
	`started_at` integer NOT NULL,
	`resolved_at` integer,
	`last_evaluated_at` integer NOT NULL,
	`resolved_by` text,
	FOREIGN KEY (`rule_id`) REFERENCES `alert_rules`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `alerts_open_unique` ON `alerts` (`rule_id`,`scope_key`) WHERE state = 'firing';--> statement-breakpoint
CREATE INDEX `alerts_state_started` ON `alerts` (`state`,`started_at`,`id`);--> statement-breakpoint
CREATE INDEX `alerts_scope_key` ON `alerts` (`scope_key`,`state`);--> statement-breakpoint
-- Default rules (src/domain/alerts/rules.ts DEFAULT_ALERT_RULES): operators may edit, disable or delete them.
INSERT OR IGNORE INTO `alert_rules` (`id`, `name`, `metric`, `comparator`, `threshold`, `window_seconds`, `scope`, `filter`, `min_samples`, `hysteresis`, `enabled`, `notify_url`, `created_at`, `updated_at`) VALUES
	('rul_default_connection_success', 'Connection success below 95% over 5 min', 'connectionSuccessRate', 'lt', 0.95, 300, 'fleet', NULL, 20, 0.01, 1, NULL, CAST(strftime('%s', 'now') AS INTEGER) * 1000, CAST(strftime('%s', 'now') AS INTEGER) * 1000),
	('rul_default_offload', 'P2P offload ratio below 50% over 15 min', 'offloadRatio', 'lt', 0.5, 900, 'fleet', NULL, 100, 0.02, 1, NULL, CAST(strftime('%s', 'now') AS INTEGER) * 1000, CAST(strftime('%s', 'now') AS INTEGER) * 1000),
	('rul_default_session_mos', 'MOS below 3.1', 'mos', 'lt', 3.1, 60, 'session', NULL, 10, 0.1, 1, NULL, CAST(strftime('%s', 'now') AS INTEGER) * 1000, CAST(strftime('%s', 'now') AS INTEGER) * 1000);
