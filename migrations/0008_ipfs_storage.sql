CREATE TABLE `ipfs_files` (
	`video_id` text NOT NULL,
	`path` text NOT NULL,
	`cid` text NOT NULL,
	`bytes` integer NOT NULL,
	`dag_bytes` integer NOT NULL,
	`stored_at` integer NOT NULL,
	PRIMARY KEY(`video_id`, `path`),
	FOREIGN KEY (`video_id`) REFERENCES `videos`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `ipfs_files_cid` ON `ipfs_files` (`cid`);--> statement-breakpoint
CREATE TABLE `ipfs_jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`video_id` text NOT NULL,
	`kind` text NOT NULL,
	`state` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`completed_at` integer
);
--> statement-breakpoint
CREATE INDEX `ipfs_jobs_video` ON `ipfs_jobs` (`video_id`,`kind`);--> statement-breakpoint
CREATE INDEX `ipfs_jobs_state` ON `ipfs_jobs` (`state`,`updated_at`);--> statement-breakpoint
CREATE TABLE `ipfs_pins` (
	`cid` text NOT NULL,
	`node` text NOT NULL,
	`video_id` text NOT NULL,
	`pinned_at` integer NOT NULL,
	`verified_at` integer NOT NULL,
	PRIMARY KEY(`cid`, `node`)
);
--> statement-breakpoint
CREATE INDEX `ipfs_pins_video` ON `ipfs_pins` (`video_id`);--> statement-breakpoint
CREATE INDEX `ipfs_pins_node` ON `ipfs_pins` (`node`);--> statement-breakpoint
CREATE TABLE `storage_quotas` (
	`creator_id` text PRIMARY KEY NOT NULL,
	`quota_bytes` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`creator_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `video_storage` (
	`video_id` text PRIMARY KEY NOT NULL,
	`creator_id` text NOT NULL,
	`bytes` integer NOT NULL,
	`root_cid` text,
	`stored_at` integer,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`video_id`) REFERENCES `videos`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`creator_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `video_storage_creator` ON `video_storage` (`creator_id`);--> statement-breakpoint
-- Storage alerts, opened and resolved by the IPFS cron step (src/workers/ipfs/alerts.ts), not by the fleet
-- evaluator: their metrics are not analytics summary fields, so the evaluator always finds no data for them.
INSERT OR IGNORE INTO `alert_rules` (`id`, `name`, `metric`, `comparator`, `threshold`, `window_seconds`, `scope`, `filter`, `min_samples`, `hysteresis`, `enabled`, `notify_url`, `created_at`, `updated_at`) VALUES
	('rul_ipfs_low_free_space', 'IPFS node free space below 10%', 'ipfsFreeRatio', 'lt', 0.1, 300, 'fleet', NULL, 0, 0.02, 1, NULL, CAST(strftime('%s', 'now') AS INTEGER) * 1000, CAST(strftime('%s', 'now') AS INTEGER) * 1000),
	('rul_ipfs_job_failed', 'IPFS storage job dead-lettered', 'ipfsFailedJobs', 'gt', 0, 300, 'fleet', NULL, 0, 0, 1, NULL, CAST(strftime('%s', 'now') AS INTEGER) * 1000, CAST(strftime('%s', 'now') AS INTEGER) * 1000);
