CREATE TABLE `rec_neighbours` (
	`video_id` text NOT NULL,
	`kind` text NOT NULL,
	`neighbour_id` text NOT NULL,
	`score` real NOT NULL,
	`computed_at` integer NOT NULL,
	PRIMARY KEY(`video_id`, `kind`, `neighbour_id`),
	FOREIGN KEY (`video_id`) REFERENCES `videos`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`neighbour_id`) REFERENCES `videos`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `rec_neighbours_computed` ON `rec_neighbours` (`computed_at`);--> statement-breakpoint
CREATE TABLE `rec_signals` (
	`user_id` text NOT NULL,
	`video_id` text NOT NULL,
	`region` text DEFAULT '' NOT NULL,
	`views` integer DEFAULT 0 NOT NULL,
	`max_watch_fraction` real DEFAULT 0 NOT NULL,
	`completed` integer DEFAULT false NOT NULL,
	`liked` integer DEFAULT false NOT NULL,
	`purchased` integer DEFAULT false NOT NULL,
	`followed` integer DEFAULT false NOT NULL,
	`skipped` integer DEFAULT false NOT NULL,
	`first_at` integer NOT NULL,
	`last_at` integer NOT NULL,
	PRIMARY KEY(`user_id`, `video_id`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`video_id`) REFERENCES `videos`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `rec_signals_user_last` ON `rec_signals` (`user_id`,`last_at`);--> statement-breakpoint
CREATE INDEX `rec_signals_last` ON `rec_signals` (`last_at`);--> statement-breakpoint
CREATE INDEX `rec_signals_video` ON `rec_signals` (`video_id`);--> statement-breakpoint
CREATE TABLE `rec_swarm_health` (
	`video_id` text NOT NULL,
	`region` text NOT NULL,
	`peers` integer NOT NULL,
	`offload_ratio` real,
	`quality` real,
	`computed_at` integer NOT NULL,
	PRIMARY KEY(`video_id`, `region`),
	FOREIGN KEY (`video_id`) REFERENCES `videos`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `rec_swarm_health_computed` ON `rec_swarm_health` (`computed_at`);--> statement-breakpoint
CREATE TABLE `rec_trending` (
	`region` text NOT NULL,
	`video_id` text NOT NULL,
	`score` real NOT NULL,
	`viewers` integer NOT NULL,
	`computed_at` integer NOT NULL,
	PRIMARY KEY(`region`, `video_id`),
	FOREIGN KEY (`video_id`) REFERENCES `videos`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `rec_trending_region_score` ON `rec_trending` (`region`,`score`);--> statement-breakpoint
CREATE INDEX `rec_trending_computed` ON `rec_trending` (`computed_at`);