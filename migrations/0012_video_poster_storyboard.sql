ALTER TABLE `videos` ADD `poster_path` text;--> statement-breakpoint
ALTER TABLE `videos` ADD `storyboard` text;--> statement-breakpoint
ALTER TABLE `videos` ADD `status_reason` text;