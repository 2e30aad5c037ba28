package samplemagnet_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"leadgate/shared/samplemagnet"
	"leadgate/shared/testenv"
)

// manyParagraphs returns n one-line paragraphs, enough to run over several pages.
func manyParagraphs(n int) []string {
	p := make([]string, n)
	for i := range p {
		p[i] = fmt.Sprintf("Paragraph %d.", i+1)
	}
	return p
}

var cases = []struct {
	name       string
	title      string
	paragraphs []string
	wantPages  int
	wantRaw    []string // as written in the file
	wantText   []string // as pdftotext reads it, whitespace collapsed
}{
	{
		name:  "title and paragraphs",
		title: "Welcome pack", paragraphs: []string{"First paragraph.", "Second paragraph."},
		wantPages: 1,
		wantRaw:   []string{"(Welcome pack)", "(First paragraph.)", "(Page 1 of 1)"},
		wantText:  []string{"Welcome pack", "First paragraph.", "Second paragraph.", "Page 1 of 1"},
	},
	{
		name: "empty", title: "", paragraphs: nil,
		wantPages: 1,
		wantRaw:   []string{"/Title ()"},
		wantText:  []string{"Page 1 of 1"},
	},
	{
		name:  "blank paragraphs are skipped",
		title: "Blank", paragraphs: []string{"", "   ", "\n\t", "Only this."},
		wantPages: 1,
		wantText:  []string{"Blank Only this."},
	},
	{
		name:  "parentheses and backslashes are escaped",
		title: `Costs (and \ savings)`, paragraphs: []string{`C:\leads\(draft).txt`},
		wantPages: 1,
		wantRaw:   []string{`(Costs \(and \\ savings\))`, `(C:\\leads\\\(draft\).txt)`},
		wantText:  []string{`Costs (and \ savings)`, `C:\leads\(draft).txt`},
	},
	{
		name:  "Latin-1 is kept and other runes become question marks",
		title: "Résumé — 日本語", paragraphs: []string{"Crème brûlée “quoted” ok", "nul\x00 and bad \xff byte"},
		wantPages: 1,
		wantRaw:   []string{`(R\351sum\351 ? ???)`, `(Cr\350me br\373l\351e ?quoted? ok)`, "(nul? and bad ? byte)"},
		wantText:  []string{"Résumé ? ???", "Crème brûlée ?quoted? ok", "nul? and bad ? byte"},
	},
	{
		name:  "words wrap at spaces",
		title: "Wrap", paragraphs: []string{strings.Repeat("gated content ", 40)},
		wantPages: 1,
		wantText:  []string{strings.TrimSpace(strings.Repeat("gated content ", 40))},
	},
	{
		name:  "a word wider than the page is broken",
		title: "Long", paragraphs: []string{strings.Repeat("x", 300)},
		wantPages: 1,
	},
	{
		name:  "long text continues on more pages",
		title: "Many", paragraphs: manyParagraphs(60),
		wantPages: 3,
		wantText:  []string{"Paragraph 1.", "Paragraph 24.", "Page 1 of 3", "Paragraph 25.", "Paragraph 60.", "Page 3 of 3"},
	},
}

func TestPDF(t *testing.T) {
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			pdf := samplemagnet.PDF(tt.title, tt.paragraphs)
			if got, want := checkStructure(t, pdf), tt.wantPages; got != want {
				t.Errorf("pages = %d, want %d", got, want)
			}
			for _, want := range tt.wantRaw {
				if !bytes.Contains(pdf, []byte(want)) {
					t.Errorf("file does not contain %q", want)
				}
			}
		})
	}
}

func TestPDFIsDeterministic(t *testing.T) {
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			got, want := samplemagnet.PDF(tt.title, tt.paragraphs), samplemagnet.PDF(tt.title, tt.paragraphs)
			if !bytes.Equal(got, want) {
				t.Error("two calls with the same input gave different bytes")
			}
		})
	}
	t.Run("playbook", func(t *testing.T) {
		got, want := samplemagnet.Playbook(), samplemagnet.Playbook()
		if !bytes.Equal(got, want) {
			t.Error("two calls gave different bytes")
		}
		got[len(got)-2] = 'X'
		if bytes.Equal(got, samplemagnet.Playbook()) {
			t.Error("changing a returned slice changed the next result")
		}
	})
}

func TestPlaybook(t *testing.T) {
	pdf := samplemagnet.Playbook()
	if got, want := checkStructure(t, pdf), 2; got != want {
		t.Errorf("pages = %d, want %d", got, want)
	}
	if want := "/Title (" + samplemagnet.PlaybookTitle + ")"; !bytes.Contains(pdf, []byte(want)) {
		t.Errorf("document info does not contain %q", want)
	}
}

// TestPDFText reads the files back with poppler's pdftotext when it is installed
// (Debian: poppler-utils). The structure checks above run everywhere; this one
// shows a real reader agrees.
func TestPDFText(t *testing.T) {
	testenv.Command(t, "pdftotext", "apt-get install poppler-utils (make test does)")
	type textCase struct {
		name     string
		pdf      []byte
		wantText []string
	}
	var tests []textCase
	for _, tt := range cases {
		tests = append(tests, textCase{tt.name, samplemagnet.PDF(tt.title, tt.paragraphs), tt.wantText})
	}
	tests = append(tests, textCase{
		name: "playbook",
		pdf:  samplemagnet.Playbook(),
		wantText: []string{
			samplemagnet.PlaybookTitle, "A lead magnet is", "Single opt-in", "Double opt-in",
			"conversion rate", "Cost per lead", "Page 2 of 2",
		},
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := pdfToText(t, tt.pdf)
			for _, want := range tt.wantText {
				if !strings.Contains(got, want) {
					t.Errorf("text does not contain %q; text is:\n%s", want, got)
				}
			}
		})
	}
}

// pdfToText returns the text pdftotext finds in pdf, with runs of white space
// collapsed to one space so that line breaks do not matter.
func pdfToText(tb testing.TB, pdf []byte) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "magnet.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		tb.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd := exec.Command("pdftotext", "-enc", "UTF-8", path, "-")
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		tb.Fatalf("pdftotext: %v: %s", err, stderr.String())
	}
	return strings.Join(strings.Fields(string(out)), " ")
}

var (
	objectRE  = regexp.MustCompile(`(?m)^(\d+) 0 obj$`)
	streamRE  = regexp.MustCompile(`/Length (\d+) >>\nstream\n`)
	countRE   = regexp.MustCompile(`/Type /Pages /Kids \[[^\]]*\] /Count (\d+)`)
	pageRE    = regexp.MustCompile(`/Type /Page /`)
	trailerRE = regexp.MustCompile(`^trailer\n<< /Size (\d+) /Root 1 0 R /Info \d+ 0 R >>\nstartxref\n(\d+)\n%%EOF\n$`)
)

// checkStructure checks what a reader relies on to find its way around the file
// and returns the number of pages: header and end marker, startxref pointing at the
// cross-reference table, every entry of that table pointing at the object it names,
// every object being in the table, and every stream being as long as it says.
func checkStructure(tb testing.TB, pdf []byte) (pages int) {
	tb.Helper()
	if !bytes.HasPrefix(pdf, []byte("%PDF-1.4\n")) {
		tb.Fatalf("file starts with %q, want %%PDF-1.4", pdf[:min(len(pdf), 10)])
	}
	if !bytes.HasSuffix(bytes.TrimRight(pdf, "\r\n"), []byte("%%EOF")) {
		tb.Fatalf("file ends with %q, want %%%%EOF", pdf[max(0, len(pdf)-10):])
	}

	trailerAt := bytes.LastIndex(pdf, []byte("trailer\n"))
	if trailerAt < 0 {
		tb.Fatal("no trailer")
	}
	m := trailerRE.FindSubmatch(pdf[trailerAt:])
	if m == nil {
		tb.Fatalf("trailer is %q", pdf[trailerAt:])
	}
	size, _ := strconv.Atoi(string(m[1]))
	xrefAt, _ := strconv.Atoi(string(m[2]))

	header := fmt.Sprintf("xref\n0 %d\n", size)
	if xrefAt >= len(pdf) || !bytes.HasPrefix(pdf[xrefAt:], []byte(header)) {
		tb.Fatalf("startxref %d points at %q, want %q", xrefAt, pdf[xrefAt:min(len(pdf), xrefAt+20)], header)
	}
	table := pdf[xrefAt+len(header) : trailerAt]
	if got, want := len(table), 20*size; got != want {
		tb.Fatalf("cross-reference table is %d bytes, want %d entries of 20 bytes", got, size)
	}
	if got, want := string(table[:20]), "0000000000 65535 f \n"; got != want {
		tb.Errorf("entry 0 = %q, want %q", got, want)
	}
	for n := 1; n < size; n++ {
		entry := string(table[20*n : 20*(n+1)])
		offset, err := strconv.Atoi(entry[:10])
		if err != nil || entry[10:] != " 00000 n \n" {
			tb.Errorf("entry %d = %q, want an in-use entry", n, entry)
			continue
		}
		want := fmt.Sprintf("%d 0 obj\n", n)
		if offset >= len(pdf) || !bytes.HasPrefix(pdf[offset:], []byte(want)) {
			tb.Errorf("entry %d: offset %d points at %q, want %q", n, offset, pdf[offset:min(len(pdf), offset+len(want))], want)
		}
	}
	if got, want := len(objectRE.FindAll(pdf, -1)), size-1; got != want {
		tb.Errorf("file has %d objects, cross-reference table %d", got, want)
	}

	for _, loc := range streamRE.FindAllSubmatchIndex(pdf, -1) {
		length, _ := strconv.Atoi(string(pdf[loc[2]:loc[3]]))
		end := loc[1] + length
		if end > len(pdf) || !bytes.HasPrefix(pdf[end:], []byte("\nendstream")) {
			tb.Errorf("stream at %d: /Length %d does not end where endstream starts", loc[1], length)
		}
	}

	m = countRE.FindSubmatch(pdf)
	if m == nil {
		tb.Fatal("no page tree")
	}
	pages, _ = strconv.Atoi(string(m[1]))
	if got := len(pageRE.FindAll(pdf, -1)); got != pages {
		tb.Errorf("page tree counts %d pages, file has %d page objects", pages, got)
	}
	return pages
}
