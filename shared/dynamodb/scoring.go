package dynamodb

import (
	"context"
	"reflect"
	"time"

	"leadgate/shared/leadgate"
)

// A lead's score, stage and stage history are attributes of the lead's item.

// setScore sets them on the version the caller read, adding one to it as every
// lead write does; setScoreDownloaded sets the lead's first download time too,
// and setDownloaded that time alone.
var (
	setScore = updating("SET #score = :score, #stage = :stage, #stage_history = :history, #version = #version + :one",
		"attribute_exists(#pk) AND #version = :version")
	setScoreDownloaded = updating("SET #score = :score, #stage = :stage, #stage_history = :history, #first_download_at = :first_download, #version = #version + :one",
		"attribute_exists(#pk) AND #version = :version")
	setDownloaded = updating("SET #first_download_at = :first_download, #version = #version + :one",
		"attribute_exists(#pk) AND #version = :version")
)

// SetScore reads the lead, then sets its score, stage and stage history in one
// UpdateItem conditioned on the version it was asked for (and read with), adding
// one to the version as every lead write does. A stage that moves then moves the
// stage counters of the lead's pages, one UpdateItem each: a transaction of the
// lead and its counters would double the price of every item in it. The lead's
// condition makes the move once: a repeated SetScore of a version finds the
// version changed, and a rescoring of the new version finds the stage unchanged.
// A counter that DynamoDB refuses, or a process that dies between the writes,
// loses that move (the lead stays counted in its former stage) rather than making
// it twice. Nothing is written when score and stage are unchanged: the stream
// would bring the write back as a lead update.
func (s *Store) SetScore(ctx context.Context, email string, score int, stage leadgate.Stage, at time.Time, version int64) error {
	return s.setScore(ctx, email, time.Time{}, score, stage, at, version)
}

// ScoreDownload is SetScore that also sets the lead's first download time to
// downloadedAt where it has none or a later one, in the same UpdateItem: the
// download's rescoring and its first download time cost one write unit. Its
// version condition makes it idempotent as SetScore's does: a redelivered
// download finds the version changed, then the time and the score set.
func (s *Store) ScoreDownload(ctx context.Context, email string, downloadedAt time.Time, score int, stage leadgate.Stage, at time.Time, version int64) error {
	return s.setScore(ctx, email, downloadedAt, score, stage, at, version)
}

// setScore is SetScore, and ScoreDownload for a downloadedAt that is not zero.
func (s *Store) setScore(ctx context.Context, email string, downloadedAt time.Time, score int, stage leadgate.Stage, at time.Time, version int64) error {
	const op = "set score"
	old, err := s.LeadByEmail(ctx, email)
	if err != nil {
		return err
	}
	if old.Version != version {
		return leadgate.ErrLeadChanged
	}
	downloaded, first := old.Downloaded(downloadedAt)
	lead, scored := downloaded.WithScore(score, stage, at)
	if !scored && !first {
		return nil
	}
	e, vals := setDownloaded, values{":version": num(version), ":one": one}
	if scored {
		history, err := encodeValue(reflect.ValueOf(lead.StageHistory))
		if err != nil {
			return leadgate.Internal(op, err)
		}
		e, vals[":score"], vals[":stage"], vals[":history"] = setScore, num(int64(lead.Score)), str(string(lead.Stage)), history
		if first {
			e = setScoreDownloaded
		}
	}
	if first {
		vals[":first_download"] = str(keyTime(lead.FirstDownloadAt))
	}
	if err := s.writeOr(ctx, op, s.updateOf(leadKey(email), e, vals), leadgate.ErrLeadChanged); err != nil {
		return err
	}
	for _, w := range s.stageUpdates(&old, &lead) {
		if err := s.writeOr(ctx, op+": stage counters", w, nil); err != nil {
			return err
		}
	}
	return nil
}
