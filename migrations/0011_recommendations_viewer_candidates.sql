CREATE TABLE `rec_viewer_candidates` (
	`user_id` text NOT NULL,
	`rank` integer NOT NULL,
	`video_id` text NOT NULL,
	`collaborative` real NOT NULL,
	`content` real NOT NULL,
	`seed_id` text NOT NULL,
	`contribution` real NOT NULL,
	`computed_at` integer NOT NULL,
	PRIMARY KEY(`user_id`, `rank`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`video_id`) REFERENCES `videos`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `rec_viewer_candidates_computed` ON `rec_viewer_candidates` (`computed_at`);