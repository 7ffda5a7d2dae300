-- Statistics rollup, part 3: each refresh also records how many distinct events of each event table it saw inserted
-- within the late-commit overlap before it ("inference,feedback,scores"). The next refresh recounts that window:
-- unchanged means nothing committed late, so it need not rescan the overlap (merges can only lower the counts, which
-- errs towards a rescan).
ALTER TABLE ${db}.stats_rollup_progress ADD COLUMN late_fingerprint String;
