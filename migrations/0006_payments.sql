CREATE TABLE `entitlements` (
	`id` text PRIMARY KEY NOT NULL,
	`payment_id` text NOT NULL,
	`user_id` text NOT NULL,
	`kind` text NOT NULL,
	`video_id` text,
	`creator_id` text NOT NULL,
	`granted_at` integer NOT NULL,
	`expires_at` integer,
	`revoked_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `entitlements_payment_unique` ON `entitlements` (`payment_id`);--> statement-breakpoint
CREATE INDEX `entitlements_user_video` ON `entitlements` (`user_id`,`video_id`);--> statement-breakpoint
CREATE INDEX `entitlements_user_creator` ON `entitlements` (`user_id`,`creator_id`);--> statement-breakpoint
CREATE TABLE `ledger_balances` (
	`account` text NOT NULL,
	`currency` text NOT NULL,
	`balance` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`account`, `currency`)
);
--> statement-breakpoint
CREATE TABLE `ledger_entries` (
	`id` text PRIMARY KEY NOT NULL,
	`transaction_id` text NOT NULL,
	`account` text NOT NULL,
	`amount` integer NOT NULL,
	`currency` text NOT NULL,
	`memo` text NOT NULL,
	`payment_id` text NOT NULL,
	`provider` text NOT NULL,
	`creator_id` text NOT NULL,
	`video_id` text,
	`occurred_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `ledger_entries_account` ON `ledger_entries` (`account`,`currency`);--> statement-breakpoint
CREATE INDEX `ledger_entries_occurred` ON `ledger_entries` (`occurred_at`);--> statement-breakpoint
CREATE INDEX `ledger_entries_creator_occurred` ON `ledger_entries` (`creator_id`,`occurred_at`);--> statement-breakpoint
CREATE INDEX `ledger_entries_transaction` ON `ledger_entries` (`transaction_id`);--> statement-breakpoint
CREATE TABLE `ledger_transactions` (
	`id` text PRIMARY KEY NOT NULL,
	`payment_id` text NOT NULL,
	`kind` text NOT NULL,
	`provider` text NOT NULL,
	`currency` text NOT NULL,
	`occurred_at` integer NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `ledger_transactions_payment` ON `ledger_transactions` (`payment_id`);--> statement-breakpoint
CREATE INDEX `ledger_transactions_occurred` ON `ledger_transactions` (`occurred_at`);--> statement-breakpoint
CREATE TABLE `payment_events` (
	`id` text PRIMARY KEY NOT NULL,
	`provider` text NOT NULL,
	`provider_event_id` text NOT NULL,
	`type` text NOT NULL,
	`raw_body` text NOT NULL,
	`received_at` integer NOT NULL,
	`payment_id` text,
	`outcome` text,
	`processed_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `payment_events_provider_unique` ON `payment_events` (`provider`,`provider_event_id`);--> statement-breakpoint
CREATE INDEX `payment_events_payment` ON `payment_events` (`payment_id`);--> statement-breakpoint
CREATE TABLE `payments` (
	`id` text PRIMARY KEY NOT NULL,
	`provider` text NOT NULL,
	`provider_ref` text,
	`capture_ref` text,
	`subscription_ref` text,
	`buyer_id` text NOT NULL,
	`creator_id` text NOT NULL,
	`video_id` text,
	`item_kind` text NOT NULL,
	`rental_hours` integer,
	`amount` integer NOT NULL,
	`currency` text NOT NULL,
	`state` text NOT NULL,
	`captured_amount` integer DEFAULT 0 NOT NULL,
	`fee` integer DEFAULT 0 NOT NULL,
	`creator_share` integer DEFAULT 0 NOT NULL,
	`refunded_total` integer DEFAULT 0 NOT NULL,
	`disputed_amount` integer DEFAULT 0 NOT NULL,
	`idempotency_key` text NOT NULL,
	`checkout_url` text,
	`anomaly` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`captured_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `payments_idempotency_unique` ON `payments` (`buyer_id`,`idempotency_key`);--> statement-breakpoint
CREATE UNIQUE INDEX `payments_provider_ref_unique` ON `payments` (`provider`,`provider_ref`);--> statement-breakpoint
CREATE INDEX `payments_state_updated` ON `payments` (`state`,`updated_at`);--> statement-breakpoint
CREATE INDEX `payments_capture_ref` ON `payments` (`provider`,`capture_ref`);--> statement-breakpoint
CREATE TABLE `reconciliation_reports` (
	`id` text PRIMARY KEY NOT NULL,
	`window_from` integer NOT NULL,
	`window_to` integer NOT NULL,
	`started_at` integer NOT NULL,
	`finished_at` integer NOT NULL,
	`matched` integer NOT NULL,
	`mismatch_count` integer NOT NULL,
	`requeried` integer NOT NULL,
	`details` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `reconciliation_reports_started` ON `reconciliation_reports` (`started_at`);--> statement-breakpoint
CREATE TABLE `subscription_prices` (
	`creator_id` text PRIMARY KEY NOT NULL,
	`amount` integer NOT NULL,
	`currency` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `video_prices` (
	`video_id` text NOT NULL,
	`kind` text NOT NULL,
	`amount` integer NOT NULL,
	`currency` text NOT NULL,
	`rental_hours` integer,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`video_id`, `kind`)
);
--> statement-breakpoint
-- Reconciliation mismatches open alerts under this rule (one open alert per provider). It is disabled because
-- the fleet evaluator has nothing to compute for it: the daily reconciliation cron opens and resolves its alerts.
INSERT OR IGNORE INTO `alert_rules` (`id`, `name`, `metric`, `comparator`, `threshold`, `window_seconds`, `scope`, `filter`, `min_samples`, `hysteresis`, `enabled`, `notify_url`, `created_at`, `updated_at`) VALUES
  ('rule_payments_reconciliation', 'Payment reconciliation mismatches', 'reconciliationMismatches', 'gt', 0, 86400, 'fleet', NULL, 0, 0, 0, NULL, 1764288000000, 1764288000000);
