package reader_test

import (
	"leadgate/shared/pagefile/reader"
	"os"
	"path/filepath"
	"testing"
)

func TestExamplePageFileHasScoring(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "infra", "examples", "page.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	page, _, err := reader.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if err := page.Validate(); err != nil {
		t.Fatal(err)
	}
	s := page.Scoring
	if s.MQLAt != 20 || s.SQLAt != 45 || s.Returned != 15 || len(s.Fit) != 2 || s.Fit[1].Points != -10 || s.Fit[0].Keywords[0] != "head of" {
		t.Fatalf("scoring %+v", s)
	}
}
