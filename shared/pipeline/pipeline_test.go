package pipeline_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"leadgate/shared/leadgate"
	"leadgate/shared/pipeline"
)

// callLog records, in order, which reaction touched what.
type callLog struct{ calls []string }

func (l *callLog) add(call string) { l.calls = append(l.calls, call) }

// fakeStore logs the calls of the counter and of scoring; countErr fails the counter.
type fakeStore struct {
	log      *callLog
	countErr error
}

func (f *fakeStore) CountLead(context.Context, leadgate.Submission) error {
	f.log.add("count lead")
	return f.countErr
}

func (f *fakeStore) CountConfirmation(context.Context, leadgate.Confirmation) error {
	f.log.add("count confirmation")
	return f.countErr
}

func (f *fakeStore) CountDownload(context.Context, leadgate.Download) error {
	f.log.add("count download")
	return f.countErr
}

func (f *fakeStore) Page(context.Context, string) (leadgate.Page, error) {
	f.log.add("score: page")
	return leadgate.Page{}, leadgate.Errorf(leadgate.ENOTFOUND, "no page")
}

// LeadByEmail finds no lead, which ends scoring without an error.
func (f *fakeStore) LeadByEmail(context.Context, string) (leadgate.Lead, error) {
	f.log.add("score: read lead")
	return leadgate.Lead{}, leadgate.Errorf(leadgate.ENOTFOUND, "no lead")
}

func (f *fakeStore) Submissions(context.Context, string) ([]leadgate.Submission, error) {
	f.log.add("score: submissions")
	return nil, nil
}

func (f *fakeStore) SetScore(context.Context, string, int, leadgate.Stage, time.Time, int64) error {
	f.log.add("score: set")
	return nil
}

func (f *fakeStore) ScoreDownload(context.Context, string, time.Time, int, leadgate.Stage, time.Time, int64) error {
	f.log.add("score: set with download")
	return nil
}

// logged is a reaction that logs its name and answers err.
func logged(log *callLog, name string, err error) pipeline.ReactionFunc {
	return func(context.Context, leadgate.Change) error {
		log.add(name)
		return err
	}
}

func download() leadgate.Change {
	return leadgate.Change{ID: "c1", Kind: leadgate.DownloadMade,
		Download: &leadgate.Download{GrantID: "g1", N: 1, Page: "p", Email: "ada@example.com", At: time.Unix(0, 0)}}
}

func TestNewCountsThenFollowsUpThenScores(t *testing.T) {
	errCount, errFollowUp := errors.New("count failed"), errors.New("follow-up failed")
	for _, tc := range []struct {
		name               string
		countErr, followUp error
		want               []string
		wantErr            error
	}{
		{name: "all succeed", want: []string{"count download", "follow-up", "score: read lead"}},
		{name: "the counter fails", countErr: errCount, want: []string{"count download"}, wantErr: errCount},
		{name: "follow-up fails", followUp: errFollowUp, want: []string{"count download", "follow-up"}, wantErr: errFollowUp},
	} {
		t.Run(tc.name, func(t *testing.T) {
			log := &callLog{}
			p := pipeline.New(&fakeStore{log: log, countErr: tc.countErr}, logged(log, "follow-up", tc.followUp), time.Now)
			err := p.HandleChange(context.Background(), download())
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("error %v, want %v", err, tc.wantErr)
			}
			if got, want := strings.Join(log.calls, ", "), strings.Join(tc.want, ", "); got != want {
				t.Fatalf("calls %q, want %q", got, want)
			}
		})
	}
}

func TestOfRunsInOrderAndStopsAtTheFirstError(t *testing.T) {
	boom := errors.New("boom")
	for _, tc := range []struct {
		name    string
		errs    []error
		want    []string
		wantErr error
	}{
		{name: "none fails", errs: []error{nil, nil, nil}, want: []string{"a", "b", "c"}},
		{name: "the first fails", errs: []error{boom, nil, nil}, want: []string{"a"}, wantErr: boom},
		{name: "the middle fails", errs: []error{nil, boom, nil}, want: []string{"a", "b"}, wantErr: boom},
		{name: "the last fails", errs: []error{nil, nil, boom}, want: []string{"a", "b", "c"}, wantErr: boom},
	} {
		t.Run(tc.name, func(t *testing.T) {
			log := &callLog{}
			p := pipeline.Of(logged(log, "a", tc.errs[0]), logged(log, "b", tc.errs[1]), logged(log, "c", tc.errs[2]))
			err := p.HandleChange(context.Background(), download())
			if err != tc.wantErr {
				t.Fatalf("error %v, want %v", err, tc.wantErr)
			}
			if got := log.calls; !slices.Equal(got, tc.want) {
				t.Fatalf("calls %q, want %q", got, tc.want)
			}
		})
	}
}

func TestEmptyPipelineDoesNothing(t *testing.T) {
	if err := pipeline.Of().HandleChange(context.Background(), download()); err != nil {
		t.Fatal(err)
	}
}
