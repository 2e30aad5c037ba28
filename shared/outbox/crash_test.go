package outbox_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"leadgate/shared/leadgate"
	"leadgate/shared/outbox"
)

// crashDirEnv makes the test binary, run again by crashSend, the process that
// crashes: it sends one message into the folder it names and stops there.
const (
	crashDirEnv = "LEADGATE_OUTBOX_CRASH_DIR"
	crashToEnv  = "LEADGATE_OUTBOX_CRASH_TO"
	tempWritten = "temporary file written"
)

// TestCrashChild is the process crashSend kills; run alone, it does nothing.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("run by crashSend only")
	}
	o, err := outbox.New(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	outbox.SetAfterTempWrite(func() {
		// Tell the parent, then wait for its kill -9 between the write and the rename.
		os.Stdout.WriteString(tempWritten + "\n")
		time.Sleep(time.Minute)
		os.Exit(3) // not killed: the parent has failed already
	})
	_, err = o.Send(context.Background(), leadgate.Message{From: "hello@example.com", To: os.Getenv(crashToEnv), Subject: "Your ebook", Text: "Here it is."})
	t.Fatalf("Send returned (%v); want it killed before the rename", err)
}

// crashSend runs the test binary again as a process that sends a message to to into
// dir, and kills it (SIGKILL) once the message's temporary file is written, before
// it is renamed into place.
func crashSend(t *testing.T, dir, to string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir, crashToEnv+"="+to)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	var seen []string
	for lines.Scan() && lines.Text() != tempWritten {
		seen = append(seen, lines.Text())
	}
	if lines.Text() != tempWritten {
		_ = cmd.Wait()
		t.Fatalf("the child ended before writing its temporary file:\n%s\n%s", strings.Join(seen, "\n"), stderr.String())
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child: %v, want killed by SIGKILL", err)
	}
}

// tempFiles returns the contents of the temporary files in dir, by name.
func tempFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, ".tmp-*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		files[filepath.Base(name)] = b
	}
	return files
}

func TestCrashBetweenWriteAndRename(t *testing.T) {
	ctx := context.Background()
	const to = "ada@example.com"

	t.Run("the temporary file holds the message", func(t *testing.T) {
		dir := t.TempDir()
		o := mustNew(t, dir, newClock())
		crashSend(t, dir, to)
		files := tempFiles(t, dir)
		if len(files) != 1 {
			t.Fatalf("%d temporary files, want 1", len(files))
		}
		for name, b := range files {
			if !bytes.Contains(b, []byte("To: <"+to+">")) || !bytes.Contains(b, []byte("Here it is.")) {
				t.Fatalf("%s does not hold the whole message:\n%s", name, b)
			}
		}
		if list, err := o.List(ctx); err != nil || len(list) != 0 {
			t.Fatalf("List: %d messages, %v; want none: the message was never delivered", len(list), err)
		}
	})

	t.Run("erasure removes it", func(t *testing.T) {
		dir := t.TempDir()
		o := mustNew(t, dir, newClock()) // opened before the crash, as by a running server
		crashSend(t, dir, to)
		if len(tempFiles(t, dir)) != 1 {
			t.Fatal("no temporary file left by the crash")
		}
		n, err := o.EraseAddress(ctx, "Ada@Example.com")
		if err != nil || n != 1 {
			t.Fatalf("EraseAddress: %d, %v; want 1", n, err)
		}
		if left := tempFiles(t, dir); len(left) != 0 {
			t.Fatalf("left after erasure: %d temporary files", len(left))
		}
	})

	t.Run("a new outbox cleans it on start", func(t *testing.T) {
		dir := t.TempDir()
		crashSend(t, dir, to)
		if len(tempFiles(t, dir)) != 1 {
			t.Fatal("no temporary file left by the crash")
		}
		o := mustNew(t, dir, newClock())
		if left := tempFiles(t, dir); len(left) != 0 {
			t.Fatalf("left after start: %d temporary files", len(left))
		}
		// The retry of the send then delivers it as usual.
		id, err := o.Send(ctx, leadgate.Message{From: "hello@example.com", To: to, Subject: "Your ebook", Text: "Here it is."})
		if err != nil {
			t.Fatal(err)
		}
		if list, err := o.List(ctx); err != nil || len(list) != 1 || list[0].ID != id {
			t.Fatalf("List after the retry: %+v, %v", list, err)
		}
	})
}

func TestEraseAddressRemovesEveryLeftTemporaryFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	o := mustNew(t, dir, newClock())
	// Left by a crash: one naming the address, one cut short in the middle of it.
	for name, content := range map[string]string{
		".tmp-1.eml": "To: ada@example.com\r\nSubject: hi\r\n\r\nHello Ada\r\n",
		".tmp-2.eml": "To: ada@exa",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	kept, err := o.Send(ctx, leadgate.Message{From: "hello@example.com", To: "bob@example.com", Subject: "hi", Text: "x"})
	if err != nil {
		t.Fatal(err)
	}
	n, err := o.EraseAddress(ctx, "ada@example.com")
	if err != nil || n != 1 {
		t.Fatalf("EraseAddress: %d, %v; want 1 (the one naming the address)", n, err)
	}
	if left := tempFiles(t, dir); len(left) != 0 {
		t.Fatalf("left: %d temporary files", len(left))
	}
	if list, err := o.List(ctx); err != nil || len(list) != 1 || list[0].ID != kept {
		t.Fatalf("List: %+v, %v; want bob's message only", list, err)
	}
}

// TestEraseAddressWaitsForASendBeingWritten pauses a send between its write and its
// rename: the erasure waits for it, and erases the message once it is in place.
func TestEraseAddressWaitsForASendBeingWritten(t *testing.T) {
	ctx := context.Background()
	o := mustNew(t, t.TempDir(), newClock())
	written, release := make(chan struct{}), make(chan struct{})
	outbox.SetAfterTempWrite(func() {
		close(written)
		<-release
	})
	t.Cleanup(func() { outbox.SetAfterTempWrite(nil) })
	sent := make(chan error, 1)
	go func() {
		_, err := o.Send(ctx, leadgate.Message{From: "hello@example.com", To: "ada@example.com", Subject: "hi", Text: "x"})
		sent <- err
	}()
	<-written
	erased := make(chan int, 1)
	go func() {
		n, err := o.EraseAddress(ctx, "ada@example.com")
		if err != nil {
			t.Error(err)
		}
		erased <- n
	}()
	select {
	case n := <-erased:
		t.Fatalf("EraseAddress returned %d while a send was being written", n)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	if err := <-sent; err != nil {
		t.Fatalf("Send: %v", err)
	}
	if n := <-erased; n != 1 {
		t.Fatalf("EraseAddress: %d, want 1", n)
	}
	if list, err := o.List(ctx); err != nil || len(list) != 0 {
		t.Fatalf("List: %+v, %v; want none", list, err)
	}
}
