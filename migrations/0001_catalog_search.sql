-- Full-text search over the catalog (SQLite FTS5, supported by D1). An external-content table indexes
-- title, description and tags of videos without storing them twice; triggers keep it in step.
-- Ranking uses bm25() with title weighted above tags above description.
CREATE VIRTUAL TABLE `videos_fts` USING fts5(
	`title`, `description`, `tags`,
	content='videos', content_rowid='rowid',
	tokenize='unicode61 remove_diacritics 2'
);
--> statement-breakpoint
CREATE TRIGGER `videos_fts_insert` AFTER INSERT ON `videos` BEGIN
	INSERT INTO `videos_fts`(rowid, `title`, `description`, `tags`) VALUES (new.rowid, new.`title`, new.`description`, new.`tags`);
END;
--> statement-breakpoint
CREATE TRIGGER `videos_fts_delete` AFTER DELETE ON `videos` BEGIN
	INSERT INTO `videos_fts`(`videos_fts`, rowid, `title`, `description`, `tags`) VALUES ('delete', old.rowid, old.`title`, old.`description`, old.`tags`);
END;
--> statement-breakpoint
CREATE TRIGGER `videos_fts_update` AFTER UPDATE OF `title`, `description`, `tags` ON `videos` BEGIN
	INSERT INTO `videos_fts`(`videos_fts`, rowid, `title`, `description`, `tags`) VALUES ('delete', old.rowid, old.`title`, old.`description`, old.`tags`);
	INSERT INTO `videos_fts`(rowid, `title`, `description`, `tags`) VALUES (new.rowid, new.`title`, new.`description`, new.`tags`);
END;
